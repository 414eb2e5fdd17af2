package inpod_test

import (
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/guide"
	"github.com/inpod/inpod/framework/pods"
)

const saTokenDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// mounts is the guide's rule: the pod's setting wins, then the ServiceAccount's;
// unset on both means mounted.
func mounts(sa, pod *bool) bool {
	switch {
	case pod != nil:
		return *pod
	case sa != nil:
		return *sa
	}
	return true
}

func setting(b *bool) string {
	if b == nil {
		return "unset"
	}
	if *b {
		return "true"
	}
	return "false"
}

var _ = Describe("Token automount", Label("automount", "method:curl"), Ordered, ContinueOnFailure, func() {
	fw := newFramework()
	settings := []*bool{nil, ptr.To(true), ptr.To(false)}
	var ns string
	podName := func(sa, pod *bool) string { return "sa-" + setting(sa) + "-pod-" + setting(pod) }

	BeforeAll(func(ctx SpecContext) {
		ns = fw.Namespace(ctx, "automount")
		var list []*corev1.Pod
		for _, sa := range settings {
			saName := "default" // its automount is unset
			if sa != nil {
				saName = "automount-" + setting(sa)
				_, err := fw.Proxy.Clientset().CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{
					ObjectMeta:                   metav1.ObjectMeta{Name: saName, Labels: fw.Labels()},
					AutomountServiceAccountToken: sa,
				}, metav1.CreateOptions{})
				Expect(err).NotTo(HaveOccurred())
			}
			for _, pod := range settings {
				if sa == nil && pod != nil && !*pod {
					// The guide's no-api-pod, verbatim but for its image and Pod Security.
					p, err := guide.Pod(fw.Run, "no-api-pod.yaml", guide.AdaptInput{Namespace: ns, Image: fw.Image("curl")})
					Expect(err).NotTo(HaveOccurred())
					list = append(list, p)
					continue
				}
				list = append(list, pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: podName(sa, pod),
					ServiceAccount: saName, Image: fw.Image("curl"), AutomountToken: faults.AutomountCell(fw.Run, pod, mounts(sa, pod))}))
			}
		}
		fw.CreatePods(ctx, list...)
	})

	check := func(ctx SpecContext, sa, pod *bool) {
		name := podName(sa, pod)
		if sa == nil && pod != nil && !*pod {
			name = "no-api-pod"
		}
		want := mounts(sa, pod)
		p, err := fw.Proxy.Clientset().CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		mounted := false
		for _, m := range p.Spec.Containers[0].VolumeMounts {
			mounted = mounted || m.MountPath == saTokenDir
		}
		Expect(mounted).To(Equal(want), "pod spec mounts %s: %v", saTokenDir, mounted)

		// The guide's check: kubectl exec my-pod -- ls -la /var/run/secrets/kubernetes.io/serviceaccount/
		res, err := pods.Exec(ctx, fw.Run, ns, name, "ls", "-la", saTokenDir+"/")
		Expect(err).NotTo(HaveOccurred())
		if want {
			Expect(res.ExitCode).To(BeZero(), "ls: %s", res.Stderr)
			for _, f := range []string{"token", "ca.crt", "namespace"} {
				Expect(res.Stdout).To(ContainSubstring(" " + f + " "))
			}
		} else {
			Expect(res.ExitCode).NotTo(BeZero(), "the directory exists: %s", res.Stdout)
			Expect(res.Stderr).To(ContainSubstring("No such file or directory"))
		}
	}

	var entries []TableEntry
	for _, sa := range settings {
		for _, pod := range settings {
			if sa == nil && pod != nil && !*pod { // the guide's no-api-pod
				entries = append(entries, Entry(nil, sa, pod, Label(faults.GuardAutomountOff)))
				continue
			}
			entries = append(entries, Entry(nil, sa, pod, Label(faults.GuardAutomountPrecedence)))
		}
	}
	DescribeTable("the pod's automountServiceAccountToken wins over the ServiceAccount's; unset on both means mounted",
		check,
		func(sa, pod *bool) string {
			want := "mounted"
			if !mounts(sa, pod) {
				want = "not mounted"
			}
			s := "ServiceAccount " + setting(sa) + ", pod " + setting(pod) + " → token " + want
			if sa == nil && pod != nil && !*pod {
				s += " (the guide's no-api-pod)"
			}
			return s
		},
		entries,
	)

	It("keeps automountServiceAccountToken: false in no-api-pod's spec as the API returns it (the field the guide's troubleshooting prints by jsonpath)", Label("troubleshooting", faults.GuardAutomountOff, faults.GuardAutomountPrecedence), func(ctx SpecContext) {
		p, err := fw.Proxy.Clientset().CoreV1().Pods(ns).Get(ctx, "no-api-pod", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		got := "unset"
		if v := p.Spec.AutomountServiceAccountToken; v != nil {
			got = strconv.FormatBool(*v)
		}
		Expect(got).To(Equal("false"), "no-api-pod's spec.automountServiceAccountToken is %s", got)
		unset, err := fw.Proxy.Clientset().CoreV1().Pods(ns).Get(ctx, podName(nil, nil), metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(unset.Spec.AutomountServiceAccountToken).To(BeNil(), "jsonpath {.spec.automountServiceAccountToken} prints nothing when unset")
	})
})
