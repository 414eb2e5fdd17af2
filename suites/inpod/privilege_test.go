package inpod_test

import (
	"strings"

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
	"github.com/inpod/inpod/framework/guide"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
)

// deployLeastPrivilege applies the guide's least-privilege Roles (with the
// self-check fault, if injected) and returns them.
func deployLeastPrivilege(ctx SpecContext, ns string) (tooBroad, myConfig *rbacv1.Role) {
	objs, err := guide.Load("least-privilege.yaml", guide.Adapt(R, guide.AdaptInput{Namespace: ns})...)
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
	faults.DropResourceNames(R, myConfig)
	// too-broad is only inspected, never created: nothing needs it to exist, and
	// creating it would take a runner that holds "*" on "*" or may escalate.
	Expect(guide.Apply(ctx, R, []k8s.Object{myConfig})).To(Succeed())
	Expect(guide.BindRole(ctx, R, ns, "my-config-reader")).To(Succeed())
	for _, name := range []string{"my-config", "other-config"} {
		_, err := R.Proxy.Clientset().CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: R.Labels()}, Data: map[string]string{"k": "v"},
		}, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
	}
	return tooBroad, myConfig
}

var _ = Describe("The principle of least privilege", Label("rbac", "method:curl"), Ordered, ContinueOnFailure, func() {
	var (
		ns                 string
		tooBroad, myConfig *rbacv1.Role
		target             access.Target
	)
	BeforeAll(func(ctx SpecContext) {
		ns = newNamespace(ctx, "least-privilege")
		tooBroad, myConfig = deployLeastPrivilege(ctx, ns)
		_, err := pods.RunProbe(ctx, R, pods.RunProbeInput{Namespace: ns, Name: "my-config-reader", ServiceAccount: "my-config-reader", Image: R.Image("curl")})
		Expect(err).NotTo(HaveOccurred())
		target = access.Target{Namespace: ns, Pod: "my-config-reader"}
	})

	user := func() string { return rbac.ServiceAccountUser(ns, "my-config-reader") }
	getCM := func(name string) access.Request {
		return access.Request{Verb: "get", Resource: "configmaps", Namespace: ns, Name: name}
	}
	listCM := func() access.Request { return access.Request{Verb: "list", Resource: "configmaps", Namespace: ns} }

	It("lets the resourceNames rule get ConfigMap my-config from inside a pod", func(ctx SpecContext) {
		out, err := access.Curl{}.Do(ctx, R, target, getCM("my-config"))
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(access.BeAllowed())
	})

	It("refuses the resourceNames rule another ConfigMap and the list of ConfigMaps from inside a pod: 403 Forbidden", func(ctx SpecContext) {
		for _, q := range []access.Request{getCM("other-config"), listCM()} {
			out, err := access.Curl{}.Do(ctx, R, target, q)
			Expect(err).NotTo(HaveOccurred())
			Expect(out).To(access.BeForbiddenFor(user(), q))
		}
	})

	It("answers the same through can-i: my-config yes, other-config no, list no", func(ctx SpecContext) {
		for check, want := range map[rbac.Check]bool{
			{Verb: "get", Resource: "configmaps", Namespace: ns, Name: "my-config"}:    true,
			{Verb: "get", Resource: "configmaps", Namespace: ns, Name: "other-config"}: false,
			{Verb: "list", Resource: "configmaps", Namespace: ns}:                      false,
		} {
			got, err := rbac.CanIAs(ctx, R.Proxy.Clientset(), ns, "my-config-reader", check)
			Expect(err).NotTo(HaveOccurred())
			Expect(got).To(Equal(want), "kubectl auth can-i %s --as=%s says %s; the guide's rule says %s", check, user(), yesNo(got), yesNo(want))
		}
	})

	It("flags the guide's \"Bad: Too broad\" rule as wildcards and not the guide's \"Good: Specific permissions\" rule", func() {
		Expect(rbac.Wildcards(tooBroad.Rules)).To(ConsistOf(
			ContainSubstring("apiGroups"), ContainSubstring("resources"), ContainSubstring("verbs")))
		Expect(rbac.Wildcards(myConfig.Rules)).To(BeEmpty())
	})
})

// accessCheck is one question of the can-i matrix and the answer the guide's RBAC
// objects give each ServiceAccount.
type accessCheck struct {
	q       func(main, other string) access.Request
	allowed map[string]bool // by ServiceAccount; absent means refused
}

var canIMatrix = []accessCheck{
	{func(m, _ string) access.Request { return access.Request{Verb: "list", Resource: "pods", Namespace: m} },
		map[string]bool{saPodReader: true, saNSReader: true, saDeployer: true, saClusterPod: true}},
	{func(m, _ string) access.Request {
		return access.Request{Verb: "get", Resource: "pods", Subresource: "log", Namespace: m, Name: "absent"}
	}, map[string]bool{saPodReader: true, saNSReader: true}}, // the ClusterRole has no pods/log
	{func(m, _ string) access.Request {
		return access.Request{Verb: "get", Resource: "secrets", Namespace: m, Name: "absent"}
	},
		map[string]bool{saNSReader: true}},
	{func(m, _ string) access.Request {
		return access.Request{Verb: "list", Group: "apps", Resource: "deployments", Namespace: m}
	}, map[string]bool{saNSReader: true, saDeployer: true}},
	{func(m, _ string) access.Request {
		return access.Request{Verb: "list", Group: "batch", Resource: "jobs", Namespace: m}
	},
		map[string]bool{saNSReader: true}},
	{func(m, _ string) access.Request {
		return access.Request{Verb: "delete", Resource: "pods", Namespace: m, Name: "absent"}
	},
		map[string]bool{saDeployer: true}},
	{func(_, o string) access.Request { return access.Request{Verb: "list", Resource: "pods", Namespace: o} },
		map[string]bool{saClusterPod: true}},
	{func(string, string) access.Request { return access.Request{Verb: "list", Resource: "namespaces"} },
		map[string]bool{saClusterPod: true}},
}

var _ = Describe("kubectl auth can-i", Label("rbac", "troubleshooting", "method:kubectl"), Ordered, ContinueOnFailure, func() {
	var f *methodFixture
	BeforeAll(func(ctx SpecContext) { f = setupMethod(ctx, access.Kubectl{}, "can-i") })

	for _, sa := range []string{saDefault, saPodReader, saNSReader, saDeployer, saClusterPod} {
		It("agrees with the real requests for "+sa+": can-i --as from outside, can-i inside the pod, and the request itself", func(ctx SpecContext) {
			user := f.user(sa)
			saNS, saName := f.main, sa
			if sa == saClusterPod {
				saNS, saName = f.cluster, saPodReader
			}
			for _, c := range canIMatrix {
				q := c.q(f.main, f.other)
				want := c.allowed[sa]
				check := q.Check()

				fromOutside, err := rbac.CanIAs(ctx, R.Proxy.Clientset(), saNS, saName, check)
				Expect(err).NotTo(HaveOccurred())
				Expect(fromOutside).To(Equal(want), "kubectl auth can-i %s --as=%s says %s; the guide's RBAC says %s", check, user, yesNo(fromOutside), yesNo(want))

				res, err := podsExec(ctx, f.probes[sa], "sh", "-c", canICommand(q))
				Expect(err).NotTo(HaveOccurred())
				Expect(strings.TrimSpace(res.Stdout)).To(Equal(yesNo(want)),
					"inside the pod, %s says %q; the guide's RBAC says %s (stderr %s)", canICommand(q), strings.TrimSpace(res.Stdout), yesNo(want), res.Stderr)

				real, err := access.Kubectl{Raw: true}.Do(ctx, R, f.probes[sa], q)
				Expect(err).NotTo(HaveOccurred())
				Expect(real.ConnError).To(BeEmpty())
				if want {
					Expect(real.Code).NotTo(BeElementOf(401, 403), "%s: %s", q, access.Happened(real))
				} else {
					Expect(real).To(access.BeForbiddenFor(user, q))
				}
			}
		})
	}

	It("lists pod-reader's rules with can-i --list --as from outside: the guide's pods and pods/log rules", func(ctx SpecContext) {
		cs, err := rbac.As(R.Proxy.RESTConfig(), f.user(saPodReader))
		Expect(err).NotTo(HaveOccurred())
		rules, err := rbac.Rules(ctx, cs, f.main)
		if apierrors.IsForbidden(err) && R.Config.Provider == config.ProviderInCluster {
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
		Expect(pods).NotTo(ContainElements("create", "delete"), "can-i --list says yes to writing pods (%v)", pods)
	})
})

var _ = Describe("kubectl auth can-i --list inside a pod", Label("rbac", "troubleshooting", "method:kubectl"), func() {
	It("lists pod-reader's own rules: pods get/list/watch and pods/log get, nothing to create or delete", func(ctx SpecContext) {
		ns := newNamespace(ctx, "can-i-list")
		_, err := guide.Deploy(ctx, R, "serviceaccount-rbac.yaml", guide.AdaptInput{Namespace: ns})
		Expect(err).NotTo(HaveOccurred())
		p, err := guide.Pod(R, "kubectl-pod.yaml", guide.AdaptInput{Namespace: ns, Image: R.Image("kubectl")})
		Expect(err).NotTo(HaveOccurred())
		_, err = pods.Create(ctx, R, p)
		Expect(err).NotTo(HaveOccurred())
		res, err := pods.Exec(ctx, R, ns, p.Name, "kubectl", "auth", "can-i", "--list")
		Expect(err).NotTo(HaveOccurred())
		Expect(res.ExitCode).To(BeZero(), "stderr: %s", res.Stderr)
		verbs := map[string]string{}
		for _, line := range strings.Split(res.Stdout, "\n") {
			f := strings.Fields(line)
			if len(f) >= 2 && (f[0] == "pods" || f[0] == "pods/log") {
				verbs[f[0]] = strings.TrimSpace(line[strings.LastIndex(line, "["):]) // the Verbs column
			}
		}
		Expect(verbs).To(HaveKeyWithValue("pods", "[get list watch]"))
		Expect(verbs).To(HaveKeyWithValue("pods/log", "[get]"))
	})
})

// canICommand is `kubectl auth can-i` for q, run inside the pod.
func canICommand(q access.Request) string {
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
