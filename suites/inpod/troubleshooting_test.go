package inpod_test

import (
	"regexp"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
	"github.com/inpod/inpod/framework/run"
)

// The guide's "Troubleshooting" section, its commands typed as it writes them,
// run with the project's kubectl (run.KubectlBinary) against the run's cluster.
// guideExec is why the guide's kubectl exec steps cannot run on the log path.
const guideExec = "is the guide's own kubectl exec command, which the cluster refuses"

var _ = Describe("The guide's troubleshooting commands, run with kubectl as the guide writes them", Label("troubleshooting", "method:kubectl"), Ordered, ContinueOnFailure, func() {
	fw := newFramework()
	var ns string
	const (
		myPod    = "my-pod"     // curl image: the token check and the reachability check
		noAPIPod = "no-api-pod" // automountServiceAccountToken: false
		dnsPod   = "dns-pod"    // kubectl image: busybox's nslookup
	)
	kubectl := func(ctx SpecContext, args ...string) run.KubectlResult {
		res, err := fw.Kubectl(ctx, args...)
		Expect(err).NotTo(HaveOccurred())
		return res
	}

	BeforeAll(func(ctx SpecContext) {
		if fw.Proxy.KubeconfigPath() == "" {
			Skip("the guide's troubleshooting commands are kubectl on a workstation; an in-cluster run has no kubeconfig for one (the in-pod specs cover the same checks)")
		}
		if fw.Provided() {
			Skip("with provided namespaces the runner works only in manifests/job's workspaces, which hold none for a workstation's troubleshooting")
		}
		_, err := fw.KubectlBinary()
		Expect(err).NotTo(HaveOccurred(), "the project's kubectl (make images builds it)")
		ns = fw.Namespace(ctx, "troubleshooting")
		my := pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: myPod, Image: fw.Image("curl")})
		noAPI := pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: noAPIPod, Image: fw.Image("curl"), AutomountToken: ptr.To(false)})
		Expect(faults.Troubleshooting(ctx, fw.Run, ns, my, noAPI)).To(Succeed())
		fw.CreatePods(ctx, my, noAPI,
			pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: dnsPod, Image: fw.Image("kubectl")}))
	})

	It("lists token, ca.crt and namespace with kubectl exec my-pod -- ls -la /var/run/secrets/kubernetes.io/serviceaccount/", Label(faults.GuardTroubleshooting), func(ctx SpecContext) {
		fw.NeedsExec(guideExec)
		res := kubectl(ctx, "exec", myPod, "-n", ns, "--", "ls", "-la", "/var/run/secrets/kubernetes.io/serviceaccount/")
		Expect(res.ExitCode).To(BeZero(), "my-pod's token directory: %s: %s", res.Command, res.Stderr)
		for _, f := range []string{"token", "ca.crt", "namespace"} {
			Expect(res.Stdout).To(MatchRegexp(`(?m) `+f+` -> \S+$`), "%s lists no %s:\n%s", res.Command, f, res.Stdout)
		}
	})

	It("shows \"Token Not Found\" for a pod with automount off: ls exits non-zero with No such file or directory", Label(faults.GuardTroubleshooting), func(ctx SpecContext) {
		fw.NeedsExec(guideExec)
		res := kubectl(ctx, "exec", noAPIPod, "-n", ns, "--", "ls", "-la", "/var/run/secrets/kubernetes.io/serviceaccount/")
		Expect(res.ExitCode).NotTo(BeZero(), "no-api-pod's token directory exists: %s listed:\n%s", res.Command, res.Stdout)
		Expect(res.Stderr).To(ContainSubstring("No such file or directory"))
	})

	It("prints false for the automount-off pod and nothing for my-pod with kubectl get pod -o jsonpath='{.spec.automountServiceAccountToken}'", Label(faults.GuardTroubleshooting), func(ctx SpecContext) {
		res := kubectl(ctx, "get", "pod", noAPIPod, "-n", ns, "-o", "jsonpath={.spec.automountServiceAccountToken}")
		Expect(res.ExitCode).To(BeZero(), "%s: %s", res.Command, res.Stderr)
		Expect(res.Stdout).To(Equal("false"), "no-api-pod's automountServiceAccountToken by jsonpath")
		res = kubectl(ctx, "get", "pod", myPod, "-n", ns, "-o", "jsonpath={.spec.automountServiceAccountToken}")
		Expect(res.ExitCode).To(BeZero(), "%s: %s", res.Command, res.Stderr)
		Expect(res.Stdout).To(BeEmpty(), "unset on the pod, so the jsonpath prints nothing")
	})

	It("resolves kubernetes.default.svc to the kubernetes Service's cluster IP with kubectl exec -- nslookup (completed by the pod's svc search domain: busybox's nslookup applies no search list)", Label(faults.GuardAPIReachable), func(ctx SpecContext) {
		fw.NeedsExec(guideExec)
		svc, err := fw.Proxy.Clientset().CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		conf := kubectl(ctx, "exec", dnsPod, "-n", ns, "--", "cat", "/etc/resolv.conf")
		Expect(conf.ExitCode).To(BeZero(), "%s: %s", conf.Command, conf.Stderr)
		domain := regexp.MustCompile(`(?m)^search .*\bsvc\.(\S+)`).FindStringSubmatch(conf.Stdout)
		Expect(domain).NotTo(BeNil(), "no svc.<cluster domain> entry in the pod's search list:\n%s", conf.Stdout)
		name := "kubernetes.default.svc." + domain[1]
		res := kubectl(ctx, "exec", dnsPod, "-n", ns, "--", "nslookup", name)
		Expect(res.ExitCode).To(BeZero(), "%s (no DNS answer for the API server's name): %s %s", res.Command, res.Stdout, res.Stderr)
		Expect(res.Stdout).To(MatchRegexp(`(?m)^Address:\s+`+strings.ReplaceAll(svc.Spec.ClusterIP, ".", `\.`)+`$`), "%s:\n%s", res.Command, res.Stdout)
	})

	It("gets ok from kubectl exec my-pod -- curl -k https://kubernetes.default.svc/healthz", Label(faults.GuardAPIReachable), func(ctx SpecContext) {
		fw.NeedsExec(guideExec)
		res := kubectl(ctx, "exec", myPod, "-n", ns, "--", "curl", "-sSk", "--max-time", "10", "-w", `\n%{http_code}`, "https://kubernetes.default.svc/healthz")
		Expect(res.ExitCode).To(BeZero(), "%s got no HTTP answer: %s", res.Command, res.Stderr)
		skipIfAnonymousOff("/healthz", res.Stdout)
		Expect(strings.Split(res.Stdout, "\n")).To(Equal([]string{"ok", "200"}), "the body and status of %s", res.Command)
	})

	It("answers no, then the rules, with kubectl auth can-i list pods --as / --list --as for the default ServiceAccount", Label(faults.GuardTroubleshooting), func(ctx SpecContext) {
		as := "--as=" + rbac.ServiceAccountUser(ns, "default")
		res := kubectl(ctx, "auth", "can-i", "list", "pods", "-n", ns, as)
		Expect(strings.TrimSpace(res.Stdout)).To(Equal("no"), "the default ServiceAccount's kubectl auth can-i list pods: %s: %s", res.Command, res.Stderr)
		Expect(res.ExitCode).To(Equal(1), "can-i exits 1 on no")
		res = kubectl(ctx, "auth", "can-i", "--list", "-n", ns, as)
		Expect(res.ExitCode).To(BeZero(), "%s: %s", res.Command, res.Stderr)
		Expect(res.Stdout).To(ContainSubstring("selfsubjectaccessreviews.authorization.k8s.io"))
		Expect(res.Stdout).NotTo(MatchRegexp(`(?m)^pods\s`), "the default ServiceAccount's kubectl auth can-i --list shows a rule on pods")
	})
})
