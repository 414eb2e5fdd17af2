package inpod_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/fixture"
	"github.com/inpod/inpod/framework/guide"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
	"github.com/inpod/inpod/framework/tokens"
)

// The keys of a ServiceAccount's user extra that bind it to its pod and token.
const (
	extraPodName      = "authentication.kubernetes.io/pod-name"
	extraPodUID       = "authentication.kubernetes.io/pod-uid"
	extraNodeName     = "authentication.kubernetes.io/node-name"
	extraNodeUID      = "authentication.kubernetes.io/node-uid"
	extraCredentialID = "authentication.kubernetes.io/credential-id"
)

// kubectlIn runs the project's kubectl inside pod (its in-cluster config: the
// mounted token) and returns its stdout; a non-zero exit fails the spec.
func kubectlIn(ctx SpecContext, fw *fixture.Framework, ns, pod string, args ...string) string {
	res, err := pods.Exec(ctx, fw.Run, ns, pod, append([]string{"kubectl"}, args...)...)
	Expect(err).NotTo(HaveOccurred())
	Expect(res.ExitCode).To(BeZero(), "kubectl %s in %s/%s: %s", strings.Join(args, " "), ns, pod, res.Stderr)
	return res.Stdout
}

// deployPodReader applies the guide's pod-reader ServiceAccount, Role and binding in ns.
func deployPodReader(ctx SpecContext, fw *fixture.Framework, ns string) {
	objs, err := guide.Load("serviceaccount-rbac.yaml", guide.Adapt(fw.Run, guide.AdaptInput{Namespace: ns})...)
	Expect(err).NotTo(HaveOccurred())
	Expect(guide.Apply(ctx, fw.Run, objs)).To(Succeed())
}

var _ = Describe("Token forensics from inside a pod", Label("projected-token", "method:kubectl"), Ordered, ContinueOnFailure, func() {
	fw := newFramework()
	const podName = "forensics"
	var (
		ns     string
		pod    *corev1.Pod
		token  string
		claims tokens.Claims
		user   authnv1.UserInfo
	)

	BeforeAll(func(ctx SpecContext) {
		ns = fw.Namespace(ctx, "forensics")
		fw.NeedsExec(needsPodToken)
		deployPodReader(ctx, fw, ns)
		pod = fw.RunProbe(ctx, pods.RunProbeInput{Namespace: ns, Name: podName, ServiceAccount: faults.ForensicsAccount(fw.Run, saPodReader), Image: fw.Image("kubectl")})
		var err error
		token, err = faults.ForensicsToken(fw.Run, readFile(ctx, fw, ns, podName, saTokenDir+"/token"))
		Expect(err).NotTo(HaveOccurred())
		claims, err = tokens.Decode(token)
		Expect(err).NotTo(HaveOccurred())
		var ssr authnv1.SelfSubjectReview
		Expect(json.Unmarshal([]byte(kubectlIn(ctx, fw, ns, podName, "auth", "whoami", "-o", "json")), &ssr)).To(Succeed())
		user = ssr.Status.UserInfo
		AddReportEntry("kubectl auth whoami", fmt.Sprintf("username %s, groups %v, extra %v", user.Username, user.Groups, user.Extra))
		AddReportEntry("mounted token claims", fmt.Sprintf("iss %s, sub %s, jti %q, pod %+v, node %+v", claims.Issuer, claims.Subject, claims.ID, claims.Kubernetes.Pod, claims.Kubernetes.Node))
	})

	It("names pod-reader, its groups and its pod in kubectl auth whoami (a SelfSubjectReview) run inside the pod", Label(faults.GuardForensicsIdentity), func() {
		Expect(user.Username).To(Equal(rbac.ServiceAccountUser(ns, saPodReader)), "kubectl auth whoami's username")
		Expect(user.Groups).To(ContainElements("system:serviceaccounts", "system:serviceaccounts:"+ns, "system:authenticated"))
		Expect(user.Extra).To(HaveKeyWithValue(extraPodName, ConsistOf(podName)))
		Expect(user.Extra).To(HaveKeyWithValue(extraPodUID, ConsistOf(string(pod.UID))))
	})

	It("carries in the mounted token the ServiceAccount and pod that whoami names", Label(faults.GuardForensicsIdentity, faults.GuardForensicsClaims), func(ctx SpecContext) {
		sa, err := fw.Proxy.Clientset().CoreV1().ServiceAccounts(ns).Get(ctx, saPodReader, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(claims.Subject).To(Equal(user.Username))
		Expect(claims.Kubernetes.Namespace).To(Equal(ns))
		Expect(claims.Kubernetes.ServiceAccount.Name).To(Equal(saPodReader), "the mounted token's ServiceAccount")
		Expect(claims.Kubernetes.ServiceAccount.UID).To(Equal(string(sa.UID)))
		Expect(claims.Kubernetes.Pod).NotTo(BeNil(), "the mounted token is not bound to its pod")
		Expect(claims.Kubernetes.Pod.Name).To(Equal(podName))
		Expect(claims.Kubernetes.Pod.UID).To(Equal(string(pod.UID)), "the mounted token's pod uid")
	})

	It("carries in the mounted token the node the pod runs on, as whoami's extra names it", Label(faults.GuardForensicsClaims), func() {
		if claims.Kubernetes.Node == nil {
			Skip("this API server puts no node claim in pod-bound tokens (ServiceAccountTokenPodNodeInfo off or older than v1.30)")
		}
		Expect(claims.Kubernetes.Node.Name).To(Equal(pod.Spec.NodeName), "the mounted token's node")
		Expect(user.Extra).To(HaveKeyWithValue(extraNodeName, ConsistOf(pod.Spec.NodeName)))
		Expect(user.Extra).To(HaveKeyWithValue(extraNodeUID, ConsistOf(claims.Kubernetes.Node.UID)))
	})

	It("carries in the mounted token a jti that whoami reports as the credential id", Label(faults.GuardForensicsClaims), func() {
		if claims.ID == "" {
			Skip("this API server issues tokens without a jti (ServiceAccountTokenJTI off or older than v1.29)")
		}
		Expect(user.Extra).To(HaveKeyWithValue(extraCredentialID, ConsistOf("JTI="+claims.ID)), "whoami's credential id and the mounted token's jti")
	})

	It("verifies the mounted token's signature with a key the cluster publishes, fetched from inside the pod as pod-reader", Label(faults.GuardForensicsClaims), func(ctx SpecContext) {
		var d tokens.Discovery
		Expect(json.Unmarshal([]byte(kubectlIn(ctx, fw, ns, podName, "get", "--raw", "/.well-known/openid-configuration")), &d)).To(Succeed())
		Expect(d.Issuer).To(Equal(claims.Issuer), "the token's iss is not the issuer the discovery document names")
		u, err := url.Parse(d.JWKSURI)
		Expect(err).NotTo(HaveOccurred(), "jwks_uri %q", d.JWKSURI)
		// jwks_uri names the API server's external address; from the pod the same
		// path is asked of kubernetes.default.svc.
		jwks := kubectlIn(ctx, fw, ns, podName, "get", "--raw", u.Path)
		v, err := tokens.VerifySignature(token, []byte(jwks))
		Expect(err).NotTo(HaveOccurred(), "the token's signature against the keys the cluster publishes")
		AddReportEntry("signature", fmt.Sprintf("%s with kid %s from %s (issuer %s)", v.Alg, v.Kid, u.Path, d.Issuer))
	})
})

var _ = Describe("A manually created ServiceAccount token Secret", Label("projected-token", "method:kubectl"), func() {
	fw := newFramework()
	It("authenticates a pod that mounts it as pod-reader, and is then labelled kubernetes.io/legacy-token-last-used", Label(faults.GuardForensicsIdentity), func(ctx SpecContext) {
		if fw.Provided() {
			Skip("the confined runner holds no Secret permission (manifests/job/rbac.yaml), so it can neither create nor read a token Secret")
		}
		ns := fw.Namespace(ctx, "legacy-token")
		deployPodReader(ctx, fw, ns)
		cs := fw.Proxy.Clientset()
		secret := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: "pod-reader-token", Namespace: ns, Labels: fw.Labels(),
				Annotations: map[string]string{corev1.ServiceAccountNameKey: faults.ForensicsAccount(fw.Run, saPodReader)}},
			Type: corev1.SecretTypeServiceAccountToken,
		}
		_, err := cs.CoreV1().Secrets(ns).Create(ctx, secret, metav1.CreateOptions{})
		Expect(err).NotTo(HaveOccurred())
		Eventually(ctx, func(g Gomega) []byte {
			s, err := cs.CoreV1().Secrets(ns).Get(ctx, secret.Name, metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			return s.Data[corev1.ServiceAccountTokenKey]
		}).WithTimeout(fw.Config.APITimeout).Should(Not(BeEmpty()), "the token controller did not fill the Secret")

		// No automounted token: the Secret's token, ca.crt and namespace sit
		// where kubectl's in-cluster config looks.
		p := pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: "legacy", ServiceAccount: saPodReader, Image: fw.Image("kubectl"),
			AutomountToken: ptr.To(false),
			Volumes: []corev1.Volume{{Name: "legacy", VolumeSource: corev1.VolumeSource{
				Secret: &corev1.SecretVolumeSource{SecretName: secret.Name}}}},
			Mounts: []corev1.VolumeMount{{Name: "legacy", MountPath: saTokenDir, ReadOnly: true}},
		})
		_, err = pods.Create(ctx, fw.Run, p)
		Expect(err).NotTo(HaveOccurred())
		Expect(kubectlIn(ctx, fw, ns, p.Name, "get", "pods", "-o", "name")).To(ContainSubstring("pod/legacy"))
		var ssr authnv1.SelfSubjectReview
		Expect(json.Unmarshal([]byte(kubectlIn(ctx, fw, ns, p.Name, "auth", "whoami", "-o", "json")), &ssr)).To(Succeed())
		Expect(ssr.Status.UserInfo.Username).To(Equal(rbac.ServiceAccountUser(ns, saPodReader)), "kubectl auth whoami's username")
		Expect(ssr.Status.UserInfo.Extra).NotTo(HaveKey(extraPodName), "a legacy token is bound to no pod")

		var lastUsed string
		Eventually(ctx, func(g Gomega) string {
			s, err := cs.CoreV1().Secrets(ns).Get(ctx, secret.Name, metav1.GetOptions{})
			g.Expect(err).NotTo(HaveOccurred())
			lastUsed = s.Labels["kubernetes.io/legacy-token-last-used"]
			return lastUsed
		}).WithTimeout(fw.Config.APITimeout).Should(MatchRegexp(`^\d{4}-\d{2}-\d{2}$`), "the API server did not record the legacy token's use")
		AddReportEntry("legacy token", fmt.Sprintf("Secret %s/%s authenticated %s from pod legacy; kubernetes.io/legacy-token-last-used=%s", ns, secret.Name, ssr.Status.UserInfo.Username, lastUsed))
	})
})
