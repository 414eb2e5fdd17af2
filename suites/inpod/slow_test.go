package inpod_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/e2e-framework/klient/wait"

	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/tokens"
)

var _ = Describe("Token lifetimes over time", Label("slow", "projected-token"), func() {
	It("honours a 600 s token until its exp and answers 401 after it", func(ctx SpecContext) {
		ns := newNamespace(ctx, "expiry")
		tok, err := tokens.Request(ctx, R.Proxy.Clientset(), ns, "default", 600)
		Expect(err).NotTo(HaveOccurred())
		c, err := tokens.Decode(tok)
		Expect(err).NotTo(HaveOccurred())
		_, code, err := tokens.WhoAmI(ctx, R.Proxy.RESTConfig(), tok)
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(201), "a fresh token should authenticate")

		exp := time.Unix(c.Expiry, 0)
		By(fmt.Sprintf("waiting for the token's exp (%s) to pass", exp.UTC().Format(time.TimeOnly)))
		var last int
		err = wait.For(func(context.Context) (bool, error) {
			_, last, err = tokens.WhoAmI(ctx, R.Proxy.RESTConfig(), tok)
			if err == nil && last == 401 {
				return true, nil
			}
			if time.Now().Before(exp.Add(-5 * time.Second)) {
				Expect(last).To(Equal(201), "the token stopped working before its exp")
			}
			return false, nil
		}, wait.WithContext(ctx), wait.WithTimeout(time.Until(exp)+2*time.Minute), wait.WithInterval(10*time.Second))
		Expect(err).NotTo(HaveOccurred(), "the token still got HTTP %d two minutes after its exp", last)
		Expect(time.Now()).To(BeTemporally(">=", exp.Add(-5*time.Second)), "401 came before exp")
	}, NodeTimeout(15*time.Minute))

	It("rotates a 600 s projected token in the file, and a client-go client that re-reads it keeps getting 200", Label("method:go"), func(ctx SpecContext) {
		ns := newNamespace(ctx, "rotation")
		// kube-api-access as the kubelet would project it, but living 600 s, so the
		// kubelet refreshes it after ~80 % of that.
		vol := corev1.Volume{Name: "short-token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
			Sources: []corev1.VolumeProjection{
				{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr.To[int64](600)}},
				{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: "kube-root-ca.crt"},
					Items: []corev1.KeyToPath{{Key: "ca.crt", Path: "ca.crt"}}}},
				{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace",
					FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
			},
		}}}
		_, err := pods.RunProbe(ctx, R, pods.RunProbeInput{
			Namespace: ns, Name: "rotating", Image: R.Image("go"), AutomountToken: ptr.To(false),
			// /readyz is allowed to every identity; the client's answer is what counts.
			Command: []string{"/app/inpod-request", "loop", "/readyz", "5"},
			Volumes: []corev1.Volume{vol},
			Mounts:  []corev1.VolumeMount{{Name: "short-token", MountPath: saTokenDir, ReadOnly: true}},
		})
		Expect(err).NotTo(HaveOccurred())

		type line struct {
			Time  int64  `json:"time"`
			Code  int    `json:"code"`
			IAT   int64  `json:"iat"`
			Error string `json:"error"`
		}
		var lines []line
		read := func(ctx context.Context) ([]line, error) {
			raw, err := R.Proxy.Clientset().CoreV1().Pods(ns).GetLogs("rotating", &corev1.PodLogOptions{}).DoRaw(ctx)
			if err != nil {
				return nil, err
			}
			var out []line
			for _, l := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
				var x line
				if json.Unmarshal([]byte(l), &x) == nil {
					out = append(out, x)
				}
			}
			return out, nil
		}
		rotatedAfter := func(ls []line) int {
			for i := 1; i < len(ls); i++ {
				if ls[i].IAT != 0 && ls[i].IAT != ls[0].IAT {
					return i
				}
			}
			return -1
		}
		By("waiting for the kubelet to replace the token file (bounded: 600 s lifetime)")
		err = wait.For(func(ctx context.Context) (bool, error) {
			ls, err := read(ctx)
			if err != nil {
				return false, nil
			}
			lines = ls
			i := rotatedAfter(ls)
			return i > 0 && len(ls) >= i+3, nil
		}, wait.WithContext(ctx), wait.WithTimeout(11*time.Minute), wait.WithInterval(15*time.Second))
		Expect(err).NotTo(HaveOccurred(), "no rotation seen in %d log lines", len(lines))
		AddReportEntry("token-rotation", fmt.Sprintf("rotated after %d s of a 600 s token", lines[rotatedAfter(lines)].IAT-lines[0].IAT))
		for _, l := range lines {
			Expect(l.Code).To(Equal(200), "at %s the client got %d %s", time.Unix(l.Time, 0).UTC().Format(time.TimeOnly), l.Code, l.Error)
		}
	}, NodeTimeout(15*time.Minute))
})
