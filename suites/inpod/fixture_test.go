package inpod_test

import (
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/access"
	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/fixture"
	"github.com/inpod/inpod/framework/guide"
	"github.com/inpod/inpod/framework/intent"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
	"github.com/inpod/inpod/framework/report"
)

// The ServiceAccounts a method's specs act as.
const (
	saDefault    = "default"
	saPodReader  = "pod-reader"
	saNSReader   = "namespace-reader"
	saDeployer   = "deployment-manager"
	saClusterPod = "cluster-pod-reader" // pod-reader in the namespace bound to the ClusterRole
)

// methodFixture is what one method's specs share, created once: three namespaces
// (main: the guide's Roles; cluster: pod-reader bound to the cluster-pod-reader
// ClusterRole; other: a bystander pod), one probe pod per ServiceAccount, the
// log-source pod, and victim and bystander as placeholders (pods.Placeholder).
type methodFixture struct {
	*fixture.Framework
	method                  access.Method
	main, cluster, other    string
	probes                  map[string]access.Target
	logPod, victim, bystand string
	logLine                 string
	resolver                *intent.Resolver // the guide intent's requests, resolved by discovery
}

func (f *methodFixture) user(sa string) string {
	if sa == saClusterPod {
		return rbac.ServiceAccountUser(f.cluster, saPodReader)
	}
	return rbac.ServiceAccountUser(f.main, sa)
}

// setupMethod builds the fixture of method m in the namespaces of purpose (the
// method's name, or another for a second fixture of the same method).
func setupMethod(ctx context.Context, fw *fixture.Framework, m access.Method, purpose string) *methodFixture {
	name := m.Name()
	f := &methodFixture{Framework: fw, method: m, probes: map[string]access.Target{},
		resolver: &intent.Resolver{Discovery: fw.Proxy.Clientset().Discovery(), ObjectName: "inpod-intent"}}
	f.main = fw.Namespace(ctx, purpose)
	f.cluster = fw.Namespace(ctx, purpose+"-cluster")
	f.other = fw.Namespace(ctx, purpose+"-other")

	By("deploying the guide's ServiceAccount and RBAC")
	// Roles that grant more than the runner holds, and cluster-scoped objects,
	// are the administrator's in the Job (manifests/job): checked, not created.
	admin := []struct{ file, ns string }{
		{"namespace-reader.yaml", f.main},
		{"deployment-manager.yaml", f.main},
		{"cluster-pod-reader.yaml", f.cluster},
	}
	deploy := []struct{ file, ns string }{{"serviceaccount-rbac.yaml", f.main}, {"serviceaccount-rbac.yaml", f.cluster}}
	if !fw.Provided() {
		deploy = append(deploy, admin...)
	}
	for _, d := range deploy {
		objs, err := guide.Objects(fw.Run, d.file, guide.AdaptInput{Namespace: d.ns})
		Expect(err).NotTo(HaveOccurred())
		applyObjects(ctx, fw, objs)
	}
	if fw.Provided() {
		for _, d := range admin {
			Expect(guide.Verify(ctx, fw.Run, d.file, d.ns)).To(Succeed())
		}
		for _, role := range []string{saNSReader, saDeployer} {
			Expect(guide.VerifyObjects(ctx, fw.Run, guide.Holder(f.main, role))).To(Succeed())
		}
	} else {
		Expect(guide.BindRole(ctx, fw.Run, f.main, saNSReader)).To(Succeed())
		Expect(guide.BindRole(ctx, fw.Run, f.main, saDeployer)).To(Succeed())
	}
	Expect(faults.BreakBeforeAllHere(fw.Run)).To(Succeed())
	Expect(faults.GrantDefaultView(ctx, fw.Run, f.main)).To(Succeed())
	for _, ns := range []string{f.main, f.cluster} {
		Expect(faults.DenyEgress(ctx, fw.Run, ns)).To(Succeed())
	}

	By("starting one " + name + " pod per ServiceAccount")
	image := fw.Image(name)
	probe := func(ns, pod, sa string) *corev1.Pod {
		return pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: pod, ServiceAccount: sa, Image: image, Command: probeCommand(name)})
	}
	all := map[string]*corev1.Pod{
		saDefault:    probe(f.main, "probe-default", ""),
		saNSReader:   probe(f.main, "probe-namespace-reader", saNSReader),
		saDeployer:   probe(f.main, "probe-deployment-manager", saDeployer),
		saClusterPod: probe(f.cluster, "probe-pod-reader", saPodReader),
		saPodReader:  podReaderPod(fw, name, f.main, image),
	}
	f.logLine = "inpod log line " + fw.ID
	f.logPod, f.victim, f.bystand = "log-source", "victim", "bystander"
	curl := fw.Image("curl")
	// victim (deleted with dryRun=All) and bystander (listed) need only exist.
	Expect(pods.CreatePlaceholders(ctx, fw.Run, pods.Placeholder(fw.Run, f.main, f.victim, curl),
		pods.Placeholder(fw.Run, f.other, f.bystand, curl))).To(Succeed())
	list := []*corev1.Pod{pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: f.main, Name: f.logPod, Image: curl,
		Command: []string{"sh", "-c", "echo '" + f.logLine + "'; exec sleep 3600"}})}
	for sa, p := range all {
		f.probes[sa] = access.Target{Namespace: p.Namespace, Pod: p.Name}
		list = append(list, p)
	}
	fw.CreatePods(ctx, list...)
	return f
}

// applyObjects creates objs; the cluster-scoped ones (ClusterRole,
// ClusterRoleBinding) are deleted when the calling container ends, not only at
// the suite's end: a run cut short later leaves no cluster-wide grant behind.
// Namespaced objects go with their namespace (fixture.Framework.Namespace).
func applyObjects(ctx context.Context, fw *fixture.Framework, objs []k8s.Object) {
	for _, o := range objs {
		switch o.(type) {
		case *rbacv1.ClusterRole, *rbacv1.ClusterRoleBinding:
			DeferCleanup(func(ctx SpecContext) {
				if err := fw.Proxy.Client().Resources().Delete(ctx, o); !apierrors.IsNotFound(err) {
					Expect(err).NotTo(HaveOccurred(), "delete %T %s made by this container", o, o.GetName())
				}
			})
		}
	}
	Expect(guide.Apply(ctx, fw.Run, objs)).To(Succeed())
}

// podReaderPod is the guide's own pod for pod-reader where it gives one:
// test-pod.yaml (curl) and kubectl-pod.yaml (kubectl).
func podReaderPod(fw *fixture.Framework, method, ns, image string) *corev1.Pod {
	file := map[string]string{"curl": "test-pod.yaml", "kubectl": "kubectl-pod.yaml"}[method]
	if file == "" {
		return pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: "probe-pod-reader", ServiceAccount: saPodReader, Image: image, Command: probeCommand(method)})
	}
	p, err := guide.Pod(fw.Run, file, guide.AdaptInput{Namespace: ns, Image: image})
	Expect(err).NotTo(HaveOccurred())
	return p
}

func probeCommand(method string) []string { return pods.ProbeCommand(method) }

func podsExec(ctx context.Context, fw *fixture.Framework, t access.Target, cmd ...string) (pods.ExecResult, error) {
	return pods.Exec(ctx, fw.Run, t.Namespace, t.Pod, cmd...)
}

// recordAccess puts one request's outcome in the report, for the access matrix
// of summary.md (framework/report).
func recordAccess(sa string, o access.Outcome, scope string) {
	AddReportEntry(report.AccessEntry, report.Access{
		ServiceAccount: sa, Method: o.Method, Request: report.RequestLabel(o.Request.Verb, o.Request.RBACResource(), o.Request.Group) + scope,
		Code: o.Code, Cell: o.Cell(), Happened: access.Happened(o),
	}, ReportEntryVisibilityNever)
}

// scope says where a request went when it is not the ServiceAccount's own namespace.
func scope(q rbac.Request, other string) string {
	switch q.Namespace {
	case "":
		return " (cluster-wide)"
	case other:
		return " (another namespace)"
	}
	return ""
}
