package netdiag

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// EgressPolicies names the NetworkPolicies of the pod's namespace that select it
// and restrict its egress ("" when none does): once one selects a pod for egress,
// only what some policy allows may leave it.
func EgressPolicies(ctx context.Context, cs kubernetes.Interface, ns, pod string) (string, error) {
	p, err := cs.CoreV1().Pods(ns).Get(ctx, pod, metav1.GetOptions{})
	if err != nil {
		return "", err
	}
	list, err := cs.NetworkingV1().NetworkPolicies(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return "", err
	}
	var names []string
	for _, np := range list.Items {
		if selects(np, p) && restrictsEgress(np) {
			n := np.Name
			if len(np.Spec.Egress) == 0 {
				n += " (denies all egress)"
			} else {
				n += fmt.Sprintf(" (allows %d egress rule(s))", len(np.Spec.Egress))
			}
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	return fmt.Sprintf("NetworkPolicy %s/%s selects pod %s and restricts its egress", ns, strings.Join(names, ", "), pod), nil
}

func selects(np networkingv1.NetworkPolicy, p *corev1.Pod) bool {
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	return err == nil && sel.Matches(labels.Set(p.Labels))
}

func restrictsEgress(np networkingv1.NetworkPolicy) bool {
	for _, t := range np.Spec.PolicyTypes {
		if t == networkingv1.PolicyTypeEgress {
			return true
		}
	}
	// Without policyTypes, a policy with egress rules restricts egress.
	return len(np.Spec.PolicyTypes) == 0 && len(np.Spec.Egress) > 0
}
