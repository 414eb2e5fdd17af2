package clusterinfo

import (
	"context"
	"regexp"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/inpod/inpod/framework/lines"
)

const podSecurityEnforceLabel = "pod-security.kubernetes.io/enforce"

// PodSecurityDefault is the Pod Security level enforced on a namespace that does
// not choose one, found by a server-side dry run of a privileged pod in the
// "default" namespace (nothing is created).
type PodSecurityDefault struct {
	Level string // restricted, baseline, privileged; "" = unknown
	How   string
}

func (p PodSecurityDefault) String() string {
	if p.Level == "" {
		return "unknown: " + p.How
	}
	return p.Level + " (" + p.How + ")"
}

var violates = regexp.MustCompile(`violates PodSecurity "(\w+):`)

// DetectPodSecurity asks the admission chain.
func DetectPodSecurity(ctx context.Context, cs kubernetes.Interface) PodSecurityDefault {
	ns, err := cs.CoreV1().Namespaces().Get(ctx, "default", metav1.GetOptions{})
	if err != nil {
		return PodSecurityDefault{How: "namespace default not readable: " + lines.First(err.Error())}
	}
	if l, ok := ns.Labels[podSecurityEnforceLabel]; ok {
		return PodSecurityDefault{How: "namespace default sets its own level (" + l + "): the cluster default is not observable there"}
	}
	yes := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: "inpod-pod-security-probe-"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "probe", Image: "inpod/pod-security-probe:dry-run",
			SecurityContext: &corev1.SecurityContext{Privileged: &yes},
		}}},
	}
	_, err = cs.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	switch {
	case err == nil:
		return PodSecurityDefault{Level: "privileged", How: "a privileged pod passes a dry run in namespace default"}
	case apierrors.IsForbidden(err):
		if m := violates.FindStringSubmatch(err.Error()); m != nil {
			return PodSecurityDefault{Level: m[1], How: "a privileged pod's dry run in namespace default: " + lines.First(err.Error())}
		}
	}
	return PodSecurityDefault{How: "dry run of a pod in namespace default: " + lines.First(err.Error())}
}
