package inpod_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	utilexec "k8s.io/client-go/util/exec"

	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/tokens"
)

// shortestTokenSeconds is the shortest lifetime the API server grants a
// ServiceAccount token (TokenRequest and projected volumes alike refuse
// expirationSeconds below 600; the tokens spec shows the refusal of 599).
const shortestTokenSeconds = 600

// sentToken is one line of the Go probe's `loop`: the code it got and the claims
// of the token it sent (from the request's Authorization header) and of the file.
type sentToken struct {
	Time  int64  `json:"time"`
	Code  int    `json:"code"`
	Error string `json:"error"`
	Sent  struct {
		IAT int64  `json:"iat"`
		Exp int64  `json:"exp"`
		JTI string `json:"jti"`
	} `json:"sent"`
}

func (l sentToken) String() string {
	return fmt.Sprintf("at %s HTTP %d sending iat %s exp %s jti %s", clock(l.Time), l.Code, clock(l.Sent.IAT), clock(l.Sent.Exp), l.Sent.JTI)
}

func clock(unix int64) string { return time.Unix(unix, 0).UTC().Format(time.TimeOnly) }

func claimsLine(c tokens.Claims) string {
	return fmt.Sprintf("iat %d (%s) exp %d (%s) jti %s, exp − iat = %d s", c.IssuedAt, clock(c.IssuedAt), c.Expiry, clock(c.Expiry), c.ID, c.Lifetime())
}

var _ = Describe("A 600 s projected token over its lifetime, from inside the pod", Label("slow", "projected-token", "method:curl", "method:go"), Ordered, ContinueOnFailure, func() {
	fw := newFramework()
	const pod = "rotating"
	var (
		ns    string
		first tokens.Claims
		want  int64 // the lifetime the API server grants a 600 s request
	)
	// Both specs hold only if the first token lives as asked: the waits are
	// bounded by its exp.
	shortLived := func() {
		Expect(first.Lifetime()).To(Equal(want), "exp − iat of the projected token that asked %d s", shortestTokenSeconds)
	}
	// exec runs cmd in one container of the two-container pod.
	exec := func(ctx context.Context, container string, cmd ...string) (pods.ExecResult, error) {
		cctx, cancel := fw.Ctx(ctx)
		defer cancel()
		var out, errb bytes.Buffer
		err := fw.Proxy.Client().Resources().ExecInPod(cctx, ns, pod, container, cmd, &out, &errb)
		res := pods.ExecResult{Stdout: out.String(), Stderr: errb.String()}
		var exit utilexec.ExitError
		if errors.As(err, &exit) {
			res.ExitCode, err = exit.ExitStatus(), nil
		}
		return res, err
	}
	// curlAPI sends GET /api from the curl container with the token in file; it
	// returns the HTTP code and the Status reason (empty on success).
	curlAPI := func(ctx context.Context, file string) (int, string, error) {
		res, err := exec(ctx, "curl", "sh", "-c", `curl -sS --max-time 20 --cacert `+saTokenDir+`/ca.crt -H "Authorization: Bearer $(cat `+file+`)" -w '\n%{http_code}' https://kubernetes.default.svc/api`)
		if err != nil {
			return 0, "", err
		}
		if res.ExitCode != 0 {
			return 0, "", fmt.Errorf("curl exit %d: %s", res.ExitCode, res.Stderr)
		}
		body, codeLine := "", strings.TrimSpace(res.Stdout)
		if i := strings.LastIndex(res.Stdout, "\n"); i >= 0 {
			body, codeLine = res.Stdout[:i], strings.TrimSpace(res.Stdout[i+1:])
		}
		code, err := strconv.Atoi(codeLine)
		if err != nil {
			return 0, "", fmt.Errorf("no HTTP code in curl's output %q", res.Stdout)
		}
		var st metav1.Status
		_ = json.Unmarshal([]byte(body), &st)
		return code, string(st.Reason), nil
	}
	readToken := func(ctx context.Context, file string) tokens.Claims {
		res, err := exec(ctx, "curl", "cat", file)
		Expect(err).NotTo(HaveOccurred())
		Expect(res.ExitCode).To(BeZero(), "cat %s: %s", file, res.Stderr)
		c, err := tokens.Decode(res.Stdout)
		Expect(err).NotTo(HaveOccurred())
		return c
	}

	BeforeAll(func(ctx SpecContext) {
		ns = fw.Namespace(ctx, "rotation")
		fw.NeedsExec("watches one long-lived client inside the probe pod for an hour, and follows that pod's token as the kubelet rotates it")
		want = shortestTokenSeconds
		if granted, err := fw.Facts.APIServer.Granted(shortestTokenSeconds); err == nil {
			want = granted
			AddReportEntry("token-lifetime-flags", fmt.Sprintf("%d s asked; the API server's flags (%s) grant %d s", shortestTokenSeconds, fw.Facts.APIServer.Source, granted))
		} else {
			AddReportEntry("token-lifetime-flags", fmt.Sprintf("%d s asked; the API server's flags are unknown (%v): expecting %d s", shortestTokenSeconds, err, want))
		}
		// kube-api-access as the kubelet projects it, but living 600 s; the kubelet
		// refreshes it once 80 % of that has passed.
		token := corev1.Volume{Name: "short-token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr.To(faults.ProjectedLifetime(fw.Run, shortestTokenSeconds))}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
					Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace",
					FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
			},
		}}}
		scratch := corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}
		tokenMount := corev1.VolumeMount{Name: "short-token", MountPath: saTokenDir, ReadOnly: true}
		p := pods.ProbePod(fw.Run, pods.RunProbeInput{
			Namespace: ns, Name: pod, Image: fw.Image("curl"), AutomountToken: ptr.To(false),
			Volumes: []corev1.Volume{token, scratch},
			Mounts:  []corev1.VolumeMount{tokenMount, {Name: "tmp", MountPath: "/tmp"}},
		})
		p.Spec.Containers[0].Name = "curl"
		loop := "loop"
		if fw.Config.Injects(faults.ClientReadsTokenOnce) {
			loop = "loop-static"
		}
		// The client-go client that runs all along: one clientset, GET /api every 5 s
		// (200 for any authenticated identity, 401 for a refused token).
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "client", Image: fw.Image("go"),
			Command: []string{"/app/inpod-request", loop, "/api", "5"}, VolumeMounts: []corev1.VolumeMount{tokenMount}})
		pods.Prepare(fw.Run, &p.Spec)
		_, err := pods.Create(ctx, fw.Run, p)
		Expect(err).NotTo(HaveOccurred())

		By("saving the mounted token inside the pod as /tmp/first")
		res, err := exec(ctx, "curl", "cp", saTokenDir+"/token", "/tmp/first")
		Expect(err).NotTo(HaveOccurred())
		Expect(res.ExitCode).To(BeZero(), "cp: %s", res.Stderr)
		first = readToken(ctx, "/tmp/first")
		AddReportEntry("first token (saved as /tmp/first)", claimsLine(first))
		code, reason, err := curlAPI(ctx, "/tmp/first")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(200), "the saved token, still fresh, got HTTP %d %s from GET /api", code, reason)
	})

	It("refuses the saved first token with 401 Unauthorized once its exp has passed, and answers 200 to the token the kubelet rotated into the file", Label(faults.GuardTokenExpiry), func(ctx SpecContext) {
		shortLived()
		exp := time.Unix(first.Expiry, 0)
		By(fmt.Sprintf("sending the saved token from inside the pod every 10 s until it is refused (exp %s)", exp.UTC().Format(time.TimeOnly)))
		var (
			code    int
			reason  string
			refused time.Time
		)
		Eventually(ctx, func(ctx context.Context) error {
			var err error
			code, reason, err = curlAPI(ctx, "/tmp/first")
			switch {
			case err != nil:
				return err // a failed exec is retried
			case code == 401:
				refused = time.Now()
				return nil
			case code != 200:
				return StopTrying(fmt.Sprintf("the saved token got HTTP %d %s at %s, neither 200 nor 401", code, reason, time.Now().UTC().Format(time.TimeOnly)))
			}
			return fmt.Errorf("the saved token (exp %s) still got HTTP %d %s at %s", exp.UTC().Format(time.TimeOnly), code, reason, time.Now().UTC().Format(time.TimeOnly))
		}).WithTimeout(time.Until(exp) + 3*time.Minute).WithPolling(10 * time.Second).Should(Succeed())
		AddReportEntry("saved first token after exp", fmt.Sprintf("HTTP %d %s at %s, %s after its exp", code, reason, refused.UTC().Format(time.TimeOnly), refused.Sub(exp).Round(time.Second)))
		Expect(refused).To(BeTemporally(">=", exp), "the saved token was refused before its exp")
		Expect(reason).To(Equal("Unauthorized"), "the Status reason of the 401")

		By("sending the token now in the file, which the kubelet rotated")
		rotated := readToken(ctx, saTokenDir+"/token")
		rcode, rreason, err := curlAPI(ctx, saTokenDir+"/token")
		Expect(err).NotTo(HaveOccurred())
		AddReportEntry("rotated token (the file after exp)", claimsLine(rotated)+fmt.Sprintf("; GET /api → HTTP %d %s", rcode, rreason))
		Expect(rotated.ID).NotTo(Equal(first.ID), "the file still holds the first token (jti %s)", first.ID)
		Expect(rotated.IssuedAt).To(BeNumerically(">", first.IssuedAt), "the file's token is not newer than the first")
		Expect(rcode).To(Equal(200), "the rotated token got HTTP %d %s", rcode, rreason)
	}, NodeTimeout(14*time.Minute))

	It("keeps a client-go client that has run in the pod all along at 200 after the first token's exp, sending a token whose iat and jti differ from the first", Label(faults.GuardRotationClient), func(ctx SpecContext) {
		shortLived()
		// Past exp plus the API server's 60 s leeway for expired tokens: the first
		// token is refused by then (the previous spec shows it).
		after := time.Unix(first.Expiry, 0).Add(61 * time.Second)
		var lines []sentToken
		read := func(ctx context.Context) error {
			raw, err := fw.Proxy.Clientset().CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{Container: "client"}).DoRaw(ctx)
			if err != nil {
				return err
			}
			lines = nil
			for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				var x sentToken
				if json.Unmarshal([]byte(l), &x) == nil && x.Time != 0 {
					lines = append(lines, x)
				}
			}
			return nil
		}
		By(fmt.Sprintf("waiting for the client's requests after %s", after.UTC().Format(time.TimeOnly)))
		Eventually(ctx, func(ctx context.Context) error {
			if err := read(ctx); err != nil {
				return err
			}
			if len(lines) == 0 || lines[len(lines)-1].Time <= after.Add(10*time.Second).Unix() {
				return fmt.Errorf("the client logged %d requests, none 10 s after %s", len(lines), after.UTC().Format(time.TimeOnly))
			}
			return nil
		}).WithTimeout(time.Until(after) + 2*time.Minute).WithPolling(10 * time.Second).Should(Succeed())

		var sentFirst, late []sentToken
		for _, l := range lines {
			if l.Sent.JTI == first.ID {
				sentFirst = append(sentFirst, l)
			}
			if l.Time > after.Unix() {
				late = append(late, l)
			}
		}
		Expect(sentFirst).NotTo(BeEmpty(), "no request of the client sent the first token (jti %s); its first line: %s", first.ID, lines[0])
		AddReportEntry("client-go: first request", lines[0].String())
		AddReportEntry("client-go: last request with the first token", sentFirst[len(sentFirst)-1].String())
		AddReportEntry("client-go: last request", lines[len(lines)-1].String())
		AddReportEntry("client-go: requests after the first token's exp + 61 s", fmt.Sprintf("%d of %d requests", len(late), len(lines)))
		for _, l := range lines {
			Expect(l.Code).To(Equal(200), "the client got HTTP %d %s; the request %s", l.Code, l.Error, l)
		}
		for _, l := range late {
			Expect(l.Sent.JTI).NotTo(Equal(first.ID), "after the first token's exp the client still sent it: %s", l)
			Expect(l.Sent.IAT).NotTo(Equal(first.IssuedAt), "after the first token's exp the client sent a token of the same iat: %s", l)
		}
	}, NodeTimeout(10*time.Minute))
})
