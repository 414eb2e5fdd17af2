package inpod_test

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/inpod/inpod/framework/access"
	"github.com/inpod/inpod/framework/clusterinfo"
	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/fixture"
	"github.com/inpod/inpod/framework/guide"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
	"github.com/inpod/inpod/framework/tokens"
)

func readFile(ctx SpecContext, fw *fixture.Framework, ns, pod, path string) string {
	res, err := pods.Exec(ctx, fw.Run, ns, pod, "cat", path)
	Expect(err).NotTo(HaveOccurred())
	Expect(res.ExitCode).To(BeZero(), "cat %s: %s", path, res.Stderr)
	return res.Stdout
}

// needsPodToken is why a spec that compares a token's pod claims with the
// probe pod cannot run on the log path (fixture.NeedsExec).
const needsPodToken = "compares the pod name and uid the probe pod's own token is bound to with that pod; a pod of its own that runs the command holds a token bound to itself"

// usesPodToken is why a spec that sends a token read from a probe pod cannot
// run on the log path: that token is bound to the pod that read it, deleted
// once it has, and a refusal would prove nothing about the audience.
const usesPodToken = "sends a token read from the probe pod; on the log path that token is bound to the pod that read it, deleted once it has, so a 401 would not be the audience's"

var _ = Describe("ServiceAccount tokens", Label("projected-token", "method:curl"), Ordered, ContinueOnFailure, func() {
	fw := newFramework()
	var ns string
	const pod = "token-probe"

	BeforeAll(func(ctx SpecContext) {
		ns = fw.Namespace(ctx, "tokens")
		secure, err := guide.Pod(fw.Run, "secure-pod.yaml", guide.AdaptInput{Namespace: ns, Image: fw.Image("curl")})
		Expect(err).NotTo(HaveOccurred())
		fw.CreatePods(ctx, secure, pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: pod, Image: fw.Image("curl"),
			AutomountToken: faults.TokensProbeAutomount(fw.Run)}))
	})

	It("mounts token, ca.crt (the kube-root-ca.crt ConfigMap) and namespace (the pod's)", Label(faults.GuardMountedToken), func(ctx SpecContext) {
		cm, err := fw.Proxy.Clientset().CoreV1().ConfigMaps(ns).Get(ctx, "kube-root-ca.crt", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(readFile(ctx, fw, ns, pod, saTokenDir+"/ca.crt")).To(Equal(cm.Data["ca.crt"]))
		Expect(readFile(ctx, fw, ns, pod, saTokenDir+"/namespace")).To(Equal(ns))
		_, err = tokens.Decode(readFile(ctx, fw, ns, pod, saTokenDir+"/token"))
		Expect(err).NotTo(HaveOccurred())
	})

	It("has a mounted token that TokenReview authenticates as system:serviceaccount:<ns>:default, bound to the pod", Label(faults.GuardMountedToken), func(ctx SpecContext) {
		fw.NeedsExec(needsPodToken)
		p, err := fw.Proxy.Clientset().CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		st, err := tokens.Review(ctx, fw.Proxy.Clientset(), readFile(ctx, fw, ns, pod, saTokenDir+"/token"))
		Expect(err).NotTo(HaveOccurred())
		Expect(st.Authenticated).To(BeTrue(), "TokenReview error: %s", st.Error)
		Expect(st.User.Username).To(Equal(rbac.ServiceAccountUser(ns, "default")))
		Expect(st.User.Extra).To(HaveKeyWithValue("authentication.kubernetes.io/pod-name", ConsistOf(pod)))
		Expect(st.User.Extra).To(HaveKeyWithValue("authentication.kubernetes.io/pod-uid", ConsistOf(string(p.UID))))
	})

	It("gives the guide's secure-pod a projected token with aud [api], exp − iat = 3600, the ServiceAccount as sub, bound to the pod", Label(faults.GuardProjectedAudience), func(ctx SpecContext) {
		fw.NeedsExec(needsPodToken)
		p, err := fw.Proxy.Clientset().CoreV1().Pods(ns).Get(ctx, "secure-pod", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		c, err := tokens.Decode(readFile(ctx, fw, ns, "secure-pod", "/var/run/secrets/tokens/token"))
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Audiences).To(Equal([]string{"api"}))
		Expect(c.Lifetime()).To(BeEquivalentTo(3600))
		Expect(c.Subject).To(Equal(rbac.ServiceAccountUser(ns, "default")))
		Expect(c.Kubernetes.Pod).NotTo(BeNil(), "the token is not bound to a pod")
		Expect(c.Kubernetes.Pod.Name).To(Equal("secure-pod"))
		Expect(c.Kubernetes.Pod.UID).To(Equal(string(p.UID)))
	})

	It("answers 401 Unauthorized, not 403, when the secure-pod's audience-bound token is used against the API server", Label(faults.GuardProjectedAudience), func(ctx SpecContext) {
		fw.NeedsExec(usesPodToken)
		res, err := pods.Exec(ctx, fw.Run, ns, "secure-pod", "sh", "-c",
			`curl -sS --max-time 20 --cacert `+saTokenDir+`/ca.crt -H "Authorization: Bearer $(cat /var/run/secrets/tokens/token)" -w '\n%{http_code}' https://kubernetes.default.svc/api/v1/namespaces/`+ns+`/pods`)
		Expect(err).NotTo(HaveOccurred())
		Expect(access.ParseCurl(rbac.Request{Verb: "list", Resource: "pods", Namespace: ns}, res)).To(access.BeUnauthorized())
	})

	It("authenticates the secure-pod's token in a TokenReview for audience api, and not for the API server's audience", Label(faults.GuardProjectedAudience), func(ctx SpecContext) {
		fw.NeedsExec(usesPodToken)
		tok := readFile(ctx, fw, ns, "secure-pod", "/var/run/secrets/tokens/token")
		st, err := tokens.Review(ctx, fw.Proxy.Clientset(), tok, "api")
		Expect(err).NotTo(HaveOccurred())
		Expect(st.Authenticated).To(BeTrue(), "TokenReview for audience api: %s", st.Error)
		Expect(st.Audiences).To(ConsistOf("api"))
		st, err = tokens.Review(ctx, fw.Proxy.Clientset(), tok)
		Expect(err).NotTo(HaveOccurred())
		Expect(st.Authenticated).To(BeFalse(), "a TokenReview without audience accepted a token for audience api")
	})

	It("gives the mounted default token exactly the lifetime the API server's flags call for (a year with warnafter when extended; 3607 s, or the cap, without)", Label(faults.GuardMountedToken), func(ctx SpecContext) {
		c, err := tokens.Decode(readFile(ctx, fw, ns, pod, saTokenDir+"/token"))
		Expect(err).NotTo(HaveOccurred())
		got := clusterinfo.TokenLifetime{Seconds: c.Lifetime()}
		if c.Kubernetes.WarnAfter != 0 {
			got.WarnAfter = c.Kubernetes.WarnAfter - c.IssuedAt
		}
		want, err := fw.Facts.APIServer.MountedToken()
		if err != nil {
			// kind's API server is a static pod the host-side run can always read:
			// unreadable flags there are a defect, not a managed control plane.
			Expect(fw.Config.Provider).NotTo(Equal(config.ProviderKind), "the kind cluster's kube-apiserver flags could not be read: %v", err)
			// A managed control plane hides its flags (the report header says so):
			// the report names the behaviour the token shows, which must be one of
			// the API server's documented ones.
			seen := got.Behaviour()
			AddReportEntry("default-token-lifetime", fmt.Sprintf("exp−iat = %d s, warnafter = iat+%d s; the API server's flags are not readable (%v), the token shows: %s", got.Seconds, got.WarnAfter, err, seen))
			Expect(seen).NotTo(BeEmpty(), "exp−iat = %d s with warnafter iat+%d s is none of: a year with warnafter iat+3607 (extended), 3607 s (not extended), 3600–3606 s (shortened to a cap)", got.Seconds, got.WarnAfter)
			return
		}
		AddReportEntry("default-token-lifetime", fmt.Sprintf("exp−iat = %d s, warnafter = iat+%d s; flags of %s: %s", got.Seconds, got.WarnAfter, fw.Facts.APIServer.Source, want))
		Expect(got.Seconds).To(Equal(want.Seconds), "mounted token lifetime; expected %s", want)
		Expect(got.WarnAfter).To(Equal(want.WarnAfter), "warnafter − iat (0 = no warnafter claim); expected %s", want)
	})

	It("grants a TokenRequest for 2 h in full, or shortened to --service-account-max-token-expiration where the API server caps it", Label(faults.GuardTokenRequest), func(ctx SpecContext) {
		const asked = 7200
		tok, err := tokens.Request(ctx, fw.Proxy.Clientset(), ns, "default", faults.TokenSeconds(fw.Run, asked))
		Expect(err).NotTo(HaveOccurred())
		c, err := tokens.Decode(tok)
		Expect(err).NotTo(HaveOccurred())
		want, err := fw.Facts.APIServer.Granted(asked)
		if err != nil {
			AddReportEntry("token-request-cap", fmt.Sprintf("asked %d s, granted %d s; cap unknown: %v", asked, c.Lifetime(), err))
			Expect(c.Lifetime()).To(SatisfyAll(BeNumerically(">=", 3600), BeNumerically("<=", asked)),
				"a cap is never below 1 h (the API server refuses such a flag), and nothing grants more than asked")
			return
		}
		AddReportEntry("token-request-cap", fmt.Sprintf("asked %d s, granted %d s (flags of %s)", asked, c.Lifetime(), fw.Facts.APIServer.Source))
		Expect(c.Lifetime()).To(BeEquivalentTo(want), "exp − iat of a TokenRequest for %d s", asked)
	})

	It("refuses a TokenRequest for 599 s and issues one for 600 s with exp − iat = 600", Label(faults.GuardTokenRequest), func(ctx SpecContext) {
		_, err := tokens.Request(ctx, fw.Proxy.Clientset(), ns, "default", faults.TokenSeconds(fw.Run, 599))
		Expect(err).To(MatchError(ContainSubstring("may not specify a duration less than 10 minutes")), "a TokenRequest for 599 s")
		tok, err := tokens.Request(ctx, fw.Proxy.Clientset(), ns, "default", faults.TokenSeconds(fw.Run, 600))
		Expect(err).NotTo(HaveOccurred())
		c, err := tokens.Decode(tok)
		Expect(err).NotTo(HaveOccurred())
		Expect(c.Lifetime()).To(BeEquivalentTo(600), "exp − iat of a TokenRequest for 600 s")
	})

	It("stops honouring a pod's mounted token once the pod is deleted, and a new pod of the same name does not revive it", Label(faults.GuardBoundToken), func(ctx SpecContext) {
		fw.NeedsExec("reads the token of a pod and then deletes that pod; a pod of its own holds a token bound to itself, dead when it ends")
		const victim = "bound-token"
		_, err := pods.RunProbe(ctx, fw.Run, pods.RunProbeInput{Namespace: ns, Name: victim, Image: fw.Image("curl")})
		Expect(err).NotTo(HaveOccurred())
		tok := readFile(ctx, fw, ns, victim, saTokenDir+"/token")
		user, code, err := tokens.WhoAmI(ctx, fw.Proxy.RESTConfig(), tok)
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(201), "the copied token should work while its pod lives")
		Expect(user).To(Equal(rbac.ServiceAccountUser(ns, "default")))

		By("deleting the pod the token is bound to")
		if !fw.Config.Injects(faults.KeepBoundPod) {
			Expect(pods.Delete(ctx, fw.Run, ns, victim)).To(Succeed())
		}
		var last int
		Eventually(ctx, func(g Gomega) int {
			_, code, err := tokens.WhoAmI(ctx, fw.Proxy.RESTConfig(), tok)
			g.Expect(err).NotTo(HaveOccurred())
			last = code
			return code
		}).WithTimeout(fw.PodTimeout()).WithPolling(time.Second).Should(Equal(401),
			func() string {
				return fmt.Sprintf("the token still got HTTP %d %s after its pod was deleted", last, fw.PodTimeout())
			})

		By("creating a new pod with the same name")
		_, err = pods.RunProbe(ctx, fw.Run, pods.RunProbeInput{Namespace: ns, Name: victim, Image: fw.Image("curl")})
		Expect(err).NotTo(HaveOccurred())
		_, code, err = tokens.WhoAmI(ctx, fw.Proxy.RESTConfig(), tok)
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(401), "the old token works again for the new pod of the same name")
	})
})
