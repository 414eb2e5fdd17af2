package inpod_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/access"
	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/fixture"
	"github.com/inpod/inpod/framework/guide"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
)

// deployLeastPrivilege applies the guide's least-privilege Roles (with the
// self-check fault, if injected) and returns them.
func deployLeastPrivilege(ctx SpecContext, fw *fixture.Framework, ns string) (tooBroad, myConfig *rbacv1.Role) {
	objs, err := guide.Objects(fw.Run, "least-privilege.yaml", guide.AdaptInput{Namespace: ns})
	Expect(err).NotTo(HaveOccurred())
	for _, o := range objs {
		switch o.GetName() {
		case "too-broad":
			tooBroad = o.(*rbacv1.Role)
		case "my-config-reader":
			myConfig = o.(*rbacv1.Role)
		}
	}
	Expect(tooBroad).NotTo(BeNil())
	Expect(myConfig).NotTo(BeNil())
	// too-broad is only inspected, never created: nothing needs it to exist, and
	// creating it would take a runner that holds "*" on "*" or may escalate.
	Expect(guide.Apply(ctx, fw.Run, []k8s.Object{myConfig})).To(Succeed())
	Expect(guide.BindRole(ctx, fw.Run, ns, "my-config-reader")).To(Succeed())
	for _, name := range []string{"my-config", "other-config"} {
		_, err := fw.Proxy.Clientset().CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: fw.Labels()}, Data: map[string]string{"k": "v"},
		}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
	}
	return tooBroad, myConfig
}

var _ = Describe("The principle of least privilege", Label("rbac"), Ordered, ContinueOnFailure, func() {
	fw := newFramework()
	var (
		ns                 string
		tooBroad, myConfig *rbacv1.Role
		targets            = map[string]access.Target{}
	)
	BeforeAll(func(ctx SpecContext) {
		ns = fw.Namespace(ctx, "least-privilege")
		tooBroad, myConfig = deployLeastPrivilege(ctx, fw, ns)
		Expect(faults.DenyEgress(ctx, fw.Run, ns)).To(Succeed())
		var ps []*corev1.Pod
		for _, m := range access.Methods {
			name := "my-config-reader-" + m.Name()
			ps = append(ps, pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: name, ServiceAccount: "my-config-reader", Image: fw.Image(m.Name()), Command: probeCommand(m.Name())}))
			targets[m.Name()] = access.Target{Namespace: ns, Pod: name}
		}
		fw.CreatePods(ctx, ps...)
	})

	user := func() string { return rbac.ServiceAccountUser(ns, "my-config-reader") }
	getCM := func(name string) rbac.Request {
		return rbac.Request{Verb: "get", Resource: "configmaps", Namespace: ns, Name: name}
	}
	listCM := func() rbac.Request { return rbac.Request{Verb: "list", Resource: "configmaps", Namespace: ns} }

	for _, m := range access.Methods {
		m := m
		Context("with "+m.Name()+" from a pod", Label("method:"+m.Name()), func() {
			It("lets the resourceNames rule get ConfigMap my-config: HTTP 200 with its data", Label(faults.GuardAPIReachable), func(ctx SpecContext) {
				out, err := m.Do(ctx, fw.Run, targets[m.Name()], getCM("my-config"))
				Expect(err).NotTo(HaveOccurred())
				recordAccess("my-config-reader", out, "")
				Expect(out).To(access.BeAllowed())
				Expect(out.Body).To(ContainSubstring("my-config"))
			})

			It("refuses the resourceNames rule another ConfigMap and the list of ConfigMaps: 403 Forbidden naming the ServiceAccount, verb and resource", Label(faults.GuardLeastPrivilege, faults.GuardAPIReachable), func(ctx SpecContext) {
				for _, q := range []rbac.Request{getCM("other-config"), listCM()} {
					out, err := m.Do(ctx, fw.Run, targets[m.Name()], q)
					Expect(err).NotTo(HaveOccurred())
					recordAccess("my-config-reader", out, "")
					Expect(out).To(access.BeForbiddenFor(user(), q))
				}
			})
		})
	}

	It("answers the same through can-i: my-config yes, other-config no, list no", Label("method:curl", faults.GuardLeastPrivilege), func(ctx SpecContext) {
		for check, want := range map[rbac.Request]bool{
			{Verb: "get", Resource: "configmaps", Namespace: ns, Name: "my-config"}:    true,
			{Verb: "get", Resource: "configmaps", Namespace: ns, Name: "other-config"}: false,
			{Verb: "list", Resource: "configmaps", Namespace: ns}:                      false,
		} {
			got, err := rbac.CanIAs(ctx, fw.Proxy.Clientset(), ns, "my-config-reader", check)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(Equal(want), "a SubjectAccessReview for %s (what kubectl auth can-i --as=%s asks) says %s; the guide's rule says %s", check, user(), yesNo(got), yesNo(want))
		}
	})

	It("flags the guide's \"Bad: Too broad\" rule as wildcards and not the guide's \"Good: Specific permissions\" rule", Label("method:curl", faults.GuardTooBroad), func(ctx SpecContext) {
		Expect(rbac.Wildcards(tooBroad.Rules)).To(ConsistOf(
			ContainSubstring("apiGroups"), ContainSubstring("resources"), ContainSubstring("verbs")), "the wildcard detector on the guide's Bad rule")
		Expect(rbac.Wildcards(myConfig.Rules)).To(BeEmpty())
		By("reading the Good Role back from the API")
		live, err := fw.Proxy.Clientset().RbacV1().Roles(ns).Get(ctx, myConfig.Name, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(rbac.Wildcards(live.Rules)).To(BeEmpty(), "the live Role %s/%s", ns, myConfig.Name)
	})
})

// The guide's "Bad: Too broad" rule, bound and used: what it lets an account do
// that the "Good" rule does not, each shown from inside a pod.
var _ = Describe("The guide's \"Bad: Too broad\" Role, used from inside a pod", Label("rbac", "method:curl"), Ordered, ContinueOnFailure, func() {
	fw := newFramework()
	var (
		ns         string
		bad, good  access.Target
		live       *rbacv1.Role
		secretData = "inpod-secret-" + "value"
	)
	const secret, victim = "app-credentials", "victim"
	BeforeAll(func(ctx SpecContext) {
		if fw.Provided() {
			Skip("in provided namespaces (the in-cluster Job) the runner holds no \"*\" on \"*\" and no escalate or bind, so RBAC's escalation check refuses it the guide's too-broad Role, and manifests/job deliberately grants no ServiceAccount such a Role; run it in host mode (make e2e)")
		}
		ns = fw.Namespace(ctx, "too-broad")
		Expect(faults.DenyEgress(ctx, fw.Run, ns)).To(Succeed())
		objs, err := guide.Objects(fw.Run, "least-privilege.yaml", guide.AdaptInput{Namespace: ns})
		Expect(err).NotTo(HaveOccurred())
		Expect(guide.Apply(ctx, fw.Run, objs)).To(Succeed())
		Expect(guide.BindRole(ctx, fw.Run, ns, "too-broad")).To(Succeed())
		Expect(guide.BindRole(ctx, fw.Run, ns, "my-config-reader")).To(Succeed())
		_, err = fw.Proxy.Clientset().CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: secret, Labels: fw.Labels()}, StringData: map[string]string{"password": secretData},
		}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		bad = access.Target{Namespace: ns, Pod: "too-broad"}
		good = access.Target{Namespace: ns, Pod: "my-config-reader"}
		// The victim is only deleted: a placeholder (never scheduled) is enough.
		Expect(pods.CreatePlaceholders(ctx, fw.Run, pods.Placeholder(fw.Run, ns, victim, fw.Image("curl")))).To(Succeed())
		fw.CreatePods(ctx,
			pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: bad.Pod, ServiceAccount: "too-broad", Image: fw.Image("curl")}),
			pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: good.Pod, ServiceAccount: "my-config-reader", Image: fw.Image("curl")}))
		live, err = fw.Proxy.Clientset().RbacV1().Roles(ns).Get(ctx, "too-broad", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
	})

	It("is the guide's rule verbatim in the API, and the wildcard detector flags the live Role", Label(faults.GuardTooBroad), func() {
		Expect(live.Rules).To(Equal([]rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}), "the live too-broad Role's rules")
		Expect(rbac.Wildcards(live.Rules)).To(ConsistOf(
			ContainSubstring("apiGroups"), ContainSubstring("resources"), ContainSubstring("verbs")), "the live Role %s/too-broad", ns)
	})

	// Each request: the too-broad account gets the verb's success status, the
	// Good rule's account (my-config-reader) 403 naming itself and the verb.
	for _, c := range []struct {
		what string
		q    func() rbac.Request
		show func(access.Outcome)
	}{
		{"reads a Secret (HTTP 200 with its data)", func() rbac.Request {
			return rbac.Request{Verb: "get", Resource: "secrets", Namespace: ns, Name: secret}
		}, func(o access.Outcome) {
			var s corev1.Secret
			Expect(json.Unmarshal([]byte(o.Body), &s)).To(Succeed())
			Expect(string(s.Data["password"])).To(Equal(secretData), "the Secret's data as the too-broad account read it")
		}},
		{"deletes another pod (HTTP 200)", func() rbac.Request {
			return rbac.Request{Verb: "delete", Resource: "pods", Namespace: ns, Name: victim}
		}, nil},
		{"creates a RoleBinding granting its own Role to the namespace's default ServiceAccount (HTTP 201)", func() rbac.Request {
			return rbac.Request{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "rolebindings", Namespace: ns,
				Body: `{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"granted-by-too-broad","labels":` + runLabelsJSON(fw) + `},` +
					`"subjects":[{"kind":"ServiceAccount","name":"default","namespace":"` + ns + `"}],` +
					`"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"too-broad"}}`}
		}, nil},
	} {
		It("lets the too-broad account do what the Good rule refuses: it "+c.what+"; my-config-reader gets 403 Forbidden naming itself and the verb", Label(faults.GuardAPIReachable, faults.GuardTooBroad), func(ctx SpecContext) {
			q := c.q()
			refused, err := access.Curl{}.Do(ctx, fw.Run, good, q)
			Expect(err).NotTo(HaveOccurred())
			recordAccess("my-config-reader", refused, "")
			AddReportEntry("too-broad", fmt.Sprintf("my-config-reader: %s → %s", q, access.Happened(refused)))
			GinkgoWriter.Printf("my-config-reader: %s → %s\n", q, access.Happened(refused))
			Expect(refused).To(access.BeForbiddenFor(rbac.ServiceAccountUser(ns, "my-config-reader"), q))

			allowed, err := access.Curl{}.Do(ctx, fw.Run, bad, q)
			Expect(err).NotTo(HaveOccurred())
			recordAccess("too-broad", allowed, "")
			AddReportEntry("too-broad", fmt.Sprintf("too-broad: %s → %s", q, access.Happened(allowed)))
			GinkgoWriter.Printf("too-broad: %s → %s\n", q, access.Happened(allowed))
			Expect(allowed).To(access.BeAllowed())
			if c.show != nil {
				c.show(allowed)
			}
		})
	}
})

// accessCheck is one question of the can-i matrix and the answer the guide's RBAC
// objects give each ServiceAccount.
type accessCheck struct {
	q       func(main, other string) rbac.Request
	allowed map[string]bool // by ServiceAccount; absent means refused
}

var canIMatrix = []accessCheck{
	{func(m, _ string) rbac.Request { return rbac.Request{Verb: "list", Resource: "pods", Namespace: m} },
		map[string]bool{saPodReader: true, saNSReader: true, saDeployer: true, saClusterPod: true}},
	{func(m, _ string) rbac.Request {
		return rbac.Request{Verb: "get", Resource: "pods", Subresource: "log", Namespace: m, Name: "absent"}
	}, map[string]bool{saPodReader: true, saNSReader: true}}, // the ClusterRole has no pods/log
	{func(m, _ string) rbac.Request {
		return rbac.Request{Verb: "get", Resource: "secrets", Namespace: m, Name: "absent"}
	},
		map[string]bool{saNSReader: true}},
	{func(m, _ string) rbac.Request {
		return rbac.Request{Verb: "list", Group: "apps", Resource: "deployments", Namespace: m}
	}, map[string]bool{saNSReader: true, saDeployer: true}},
	{func(m, _ string) rbac.Request {
		return rbac.Request{Verb: "list", Group: "batch", Resource: "jobs", Namespace: m}
	},
		map[string]bool{saNSReader: true}},
	{func(m, _ string) rbac.Request {
		return rbac.Request{Verb: "delete", Resource: "pods", Namespace: m, Name: "absent"}
	},
		map[string]bool{saDeployer: true}},
	{func(_, o string) rbac.Request { return rbac.Request{Verb: "list", Resource: "pods", Namespace: o} },
		map[string]bool{saClusterPod: true}},
	{func(string, string) rbac.Request { return rbac.Request{Verb: "list", Resource: "namespaces"} },
		map[string]bool{saClusterPod: true}},
}

// describeCanI adds to the kubectl container, whose pods it asks from, the specs
// of kubectl auth can-i; what it returns makes their execs once the fixture is
// built: for each account, can-i for every row of canIMatrix in one exec and the
// real requests in another, the accounts' pods at once.
func describeCanI(fw *fixture.Framework, fixtureOf func() *methodFixture) func(context.Context, *methodFixture) {
	accounts := []string{saDefault, saPodReader, saNSReader, saDeployer, saClusterPod}
	inside := map[string][]pods.ExecResult{}
	insideErr := map[string][]error{}
	insideAgain := map[string][]bool{}
	var list pods.ExecResult // kubectl auth can-i --list in pod-reader's pod (the guide's kubectl-pod.yaml)
	var listErr error
	var listAgain bool
	realBatch := map[string]*access.Batch{}
	realPlanned := map[string][]*access.Planned{}
	for _, sa := range accounts {
		realBatch[sa] = &access.Batch{Method: access.Kubectl{Raw: true}}
		for _, c := range canIMatrix {
			realPlanned[sa] = append(realPlanned[sa], realBatch[sa].Add(sa, func() (rbac.Request, error) {
				f := fixtureOf()
				return c.q(f.main, f.other), nil
			}))
		}
	}
	run := func(ctx context.Context, f *methodFixture) {
		var mu sync.Mutex
		var execs []func()
		for _, sa := range accounts {
			execs = append(execs, func() {
				var cmds []string
				for _, c := range canIMatrix {
					cmds = append(cmds, canICommand(c.q(f.main, f.other)))
				}
				res, errs, again := access.RunReadOnlyScripts(ctx, fw.Run, f.probes[sa], "", cmds)
				mu.Lock()
				inside[sa], insideErr[sa], insideAgain[sa] = res, errs, again
				mu.Unlock()
			}, func() { realBatch[sa].Run(ctx, fw.Run, f.probes) })
		}
		execs = append(execs, func() {
			// Framed like a batch: an exec whose stream ended early is seen as such
			// (client-go reports it as exit 0 with the output cut) and asked again.
			res, errs, again := access.RunReadOnlyScripts(ctx, fw.Run, f.probes[saPodReader], "", []string{"kubectl auth can-i --list"})
			list, listErr, listAgain = res[0], errs[0], again[0]
		})
		var wg sync.WaitGroup
		for _, e := range execs {
			wg.Go(e)
		}
		wg.Wait()
	}
	Describe("kubectl auth can-i", Label("troubleshooting"), func() {
		var f *methodFixture
		BeforeEach(func() { f = fixtureOf() })

		canIGuards := map[string][]string{
			saDefault:    {faults.GuardDefaultForbidden},
			saPodReader:  {faults.GuardPodReaderBinding, faults.GuardPodReaderScope, faults.GuardPodReaderToken},
			saNSReader:   {faults.GuardNamespaceReader},
			saDeployer:   {faults.GuardDeploymentManager},
			saClusterPod: {faults.GuardClusterPodReader, faults.GuardPodReaderToken},
		}
		for _, sa := range accounts {
			It("agrees with the real requests for "+sa+": can-i --as from outside, can-i inside the pod, and the request itself", Label(canIGuards[sa]...), func(ctx SpecContext) {
				user := f.user(sa)
				saNS, saName := f.main, sa
				if sa == saClusterPod {
					saNS, saName = f.cluster, saPodReader
				}
				for i, c := range canIMatrix {
					q := c.q(f.main, f.other)
					want := c.allowed[sa]
					check := q

					fromOutside, err := rbac.CanIAs(ctx, fw.Proxy.Clientset(), saNS, saName, check)
					Expect(err).NotTo(HaveOccurred())
					Expect(fromOutside).To(Equal(want), "a SubjectAccessReview for %s (what kubectl auth can-i --as=%s asks) says %s; the guide's RBAC says %s", check, user, yesNo(fromOutside), yesNo(want))

					Expect(insideErr[sa][i]).NotTo(HaveOccurred())
					if insideAgain[sa][i] {
						By(canICommand(q) + ": asked again in a second exec (the first one's output ended before its answer)")
					}
					res := inside[sa][i]
					Expect(strings.TrimSpace(res.Stdout)).To(Equal(yesNo(want)),
						"inside the pod, %s says %q; the guide's RBAC says %s (stderr %s)", canICommand(q), strings.TrimSpace(res.Stdout), yesNo(want), res.Stderr)

					real, exec, err := realPlanned[sa][i].Result()
					Expect(err).NotTo(HaveOccurred())
					By(fmt.Sprintf("%s: answered by %s", q, exec))
					Expect(real.ConnError).To(BeEmpty())
					switch {
					case want && q.Name == "absent":
						// Authorized, and there is no such object: exactly 404 NotFound.
						Expect(real).To(access.BeNotFound(q), "%s", q)
					case want:
						Expect(real).To(access.BeAllowed(), "%s", q)
					default:
						Expect(real).To(access.BeForbiddenFor(user, q))
					}
				}
			})
		}

		It("lists pod-reader's rules with can-i --list --as from outside: the guide's pods and pods/log rules", Label(faults.GuardPodReaderBinding), func(ctx SpecContext) {
			cs, err := rbac.As(fw.Proxy.RESTConfig(), f.user(saPodReader))
			Expect(err).NotTo(HaveOccurred())
			rules, err := rbac.Rules(ctx, cs, f.main)
			if apierrors.IsForbidden(err) && fw.Config.Provider == config.ProviderInCluster {
				Skip("the in-cluster runner holds no impersonate permission (least privilege), which can-i --list --as needs; the in-pod can-i --list spec covers the rules")
			}
			Expect(err).NotTo(HaveOccurred())
			var pods, logs []string
			for _, r := range rules {
				for _, res := range r.Resources {
					switch res {
					case "pods":
						pods = append(pods, r.Verbs...)
					case "pods/log":
						logs = append(logs, r.Verbs...)
					}
				}
			}
			Expect(pods).To(ContainElements("get", "list", "watch"), "can-i --list says no to get/list/watch pods (it lists %v)", pods)
			Expect(logs).To(ContainElement("get"), "can-i --list says no to get pods/log (it lists %v)", logs)
			Expect(pods).NotTo(ContainElement(BeElementOf("create", "delete", "update", "patch", "deletecollection", rbacv1.VerbAll)), "can-i --list says yes to writing pods (%v)", pods)
		})

		It("lists pod-reader's own rules with can-i --list inside its pod: pods get/list/watch and pods/log get, nothing to create or delete", Label(faults.GuardPodReaderBinding, faults.GuardPodReaderToken), func(ctx SpecContext) {
			Expect(listErr).NotTo(HaveOccurred())
			if listAgain {
				By("kubectl auth can-i --list: asked again in a second exec (the first one's output ended before its answer)")
			}
			Expect(list.ExitCode).To(BeZero(), "stderr: %s", list.Stderr)
			// Every row about pods or pods/log, by resource: its Verbs column.
			verbs := map[string][]string{}
			for _, line := range strings.Split(list.Stdout, "\n") {
				cols := strings.Fields(line)
				if len(cols) >= 2 && (cols[0] == "pods" || cols[0] == "pods/log") {
					verbs[cols[0]] = append(verbs[cols[0]], strings.TrimSpace(line[strings.LastIndex(line, "["):]))
				}
			}
			t := f.probes[saPodReader]
			shown := list.Stdout
			if strings.TrimSpace(shown) == "" {
				shown = "(nothing on stdout; stderr: " + list.Stderr + ")"
			}
			// One row each, exactly these verbs: no create or delete anywhere.
			Expect(verbs["pods"]).To(Equal([]string{"[get list watch]"}), "can-i --list says no to get/list/watch pods, or yes to more, inside pod %s/%s; it lists:\n%s", t.Namespace, t.Pod, shown)
			Expect(verbs["pods/log"]).To(Equal([]string{"[get]"}), "can-i --list says no to get pods/log, or yes to more, inside pod %s/%s; it lists:\n%s", t.Namespace, t.Pod, shown)
		})
	})
	return run
}

// canICommand is `kubectl auth can-i` for q, run inside the pod.
func canICommand(q rbac.Request) string {
	res := q.RBACResource()
	if q.Group != "" {
		res = q.Resource + "." + q.Group
		if q.Subresource != "" {
			res += "/" + q.Subresource
		}
	}
	if q.Name != "" {
		res += "/" + q.Name
		if q.Subresource != "" {
			res = q.Resource + "/" + q.Name + " --subresource=" + q.Subresource
		}
	}
	cmd := "kubectl auth can-i " + q.Verb + " " + res
	if q.Namespace != "" {
		return cmd + " -n " + q.Namespace
	}
	// Cluster-scoped: without -A, kubectl inside a pod asks about its own
	// namespace, where a Role with resources ["*"] says yes to "list namespaces"
	// although the real, cluster-wide request is refused.
	return cmd + " -A"
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
