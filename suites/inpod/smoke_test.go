package inpod_test

import (
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/inpod/inpod/framework/access"
	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/netdiag"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
	"github.com/inpod/inpod/framework/report"
)

var _ = Describe("A pod of the curl image with the default ServiceAccount", Label("smoke", "method:curl"), Ordered, ContinueOnFailure, func() {
	fw := newFramework()
	var (
		ns     string
		target access.Target
	)

	BeforeAll(func(ctx SpecContext) {
		ns = fw.Namespace(ctx, "smoke")
		fw.RunProbe(ctx, pods.RunProbeInput{Namespace: ns, Name: "curl-test", Image: fw.Image("curl")})
		target = access.Target{Namespace: ns, Pod: "curl-test"}
	})

	It("resolves kubernetes.default.svc to the kubernetes Service's cluster IP (the guide's nslookup check)", Label("troubleshooting", faults.GuardAPIReachable), func(ctx SpecContext) {
		svc, err := fw.Proxy.Clientset().CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		res, err := pods.Exec(ctx, fw.Run, ns, target.Pod, "getent", "hosts", "kubernetes.default.svc")
		Expect(err).NotTo(HaveOccurred())
		Expect(res.ExitCode).To(BeZero(), "getent hosts kubernetes.default.svc found no address (exit %d: no DNS answer for the API server's name) %s", res.ExitCode, res.Stderr)
		Expect(strings.Fields(res.Stdout)).To(ContainElement(svc.Spec.ClusterIP))
	})

	It("is refused listing pods with the mounted token: HTTP 403 Forbidden naming system:serviceaccount:<ns>:default", Label(faults.GuardAPIReachable), func(ctx SpecContext) {
		q := rbac.Request{Verb: "list", Resource: "pods", Namespace: ns}
		out, err := access.Curl{}.Do(ctx, fw.Run, target, q)
		Expect(err).NotTo(HaveOccurred())
		Expect(out).To(access.BeForbiddenFor(rbac.ServiceAccountUser(ns, "default"), q))
	})

	It("gets ok from /healthz with curl -k and no token (the guide's reachability check)", Label("troubleshooting", faults.GuardAPIReachable), func(ctx SpecContext) {
		res, err := pods.Exec(ctx, fw.Run, ns, target.Pod, "curl", "-sSk", "--max-time", "10", "-w", "\n%{http_code}", "https://kubernetes.default.svc/healthz")
		Expect(err).NotTo(HaveOccurred())
		Expect(res.ExitCode).To(BeZero(), "curl https://kubernetes.default.svc/healthz got no HTTP answer (curl exit %d): %s", res.ExitCode, netdiag.Explain(res.Stderr))
		skipIfAnonymousOff("/healthz", res.Stdout)
		Expect(strings.Split(res.Stdout, "\n")).To(Equal([]string{"ok", "200"}))
	})
})

// skipIfAnonymousOff reports an anonymous health check the API server answered
// 401 or 403 (curl's output ends in "\n<status>") as not run because of the
// cluster's configuration, named once, instead of as the guide's result.
func skipIfAnonymousOff(path, curlOut string) {
	i := strings.LastIndex(curlOut, "\n")
	code, err := strconv.Atoi(strings.TrimSpace(curlOut[i+1:]))
	if err != nil {
		return
	}
	if phrase, off := netdiag.AnonymousOff(path, code); off {
		AddReportEntry(report.ClusterConfigEntry, phrase)
		Skip(report.NotRunPrefix + phrase)
	}
}
