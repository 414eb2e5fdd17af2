package netdiag

import (
	"context"
	"fmt"
	"net/netip"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/inpod/inpod/framework/run"
)

// PolicyInput names a policy and the pods it selects.
type PolicyInput struct {
	Namespace string
	Name      string
	Pods      map[string]string // podSelector's matchLabels; empty selects every pod
}

func policy(r *run.Run, in PolicyInput, types ...networkingv1.PolicyType) *networkingv1.NetworkPolicy {
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: in.Name, Namespace: in.Namespace, Labels: r.Labels()},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: in.Pods},
			PolicyTypes: types,
		},
	}
}

// DenyIngress selects the pods and allows them no ingress at all.
func DenyIngress(r *run.Run, in PolicyInput) *networkingv1.NetworkPolicy {
	return policy(r, in, networkingv1.PolicyTypeIngress)
}

// DenyEgress selects the pods and allows them no egress at all (DNS included).
func DenyEgress(r *run.Run, in PolicyInput) *networkingv1.NetworkPolicy {
	return policy(r, in, networkingv1.PolicyTypeEgress)
}

// AllowAPIServerEgress selects the pods and allows them egress to the API server
// and to cluster DNS, and nothing else: the kubernetes Service's cluster IP and
// port, the API server's own addresses and port from the Service's EndpointSlices
// (an engine that filters after kube-proxy's DNAT, as kube-router does, sees only
// these), and the kube-dns pods on port 53.
func AllowAPIServerEgress(ctx context.Context, r *run.Run, in PolicyInput) (*networkingv1.NetworkPolicy, error) {
	cs := r.Proxy.Clientset()
	svc, err := cs.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("read Service default/kubernetes: %w", err)
	}
	slices, err := cs.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=kubernetes"})
	if err != nil {
		return nil, fmt.Errorf("list the kubernetes Service's EndpointSlices: %w", err)
	}
	var rules []networkingv1.NetworkPolicyEgressRule
	for _, ip := range svc.Spec.ClusterIPs {
		for _, p := range svc.Spec.Ports {
			rules = append(rules, toHost(ip, p.Port))
		}
	}
	for _, s := range slices.Items {
		for _, e := range s.Endpoints {
			for _, ip := range e.Addresses {
				for _, p := range s.Ports {
					if p.Port != nil {
						rules = append(rules, toHost(ip, *p.Port))
					}
				}
			}
		}
	}
	if len(rules) == 0 {
		return nil, fmt.Errorf("the kubernetes Service has no cluster IP and no endpoints")
	}
	dns := networkingv1.NetworkPolicyEgressRule{
		To: []networkingv1.NetworkPolicyPeer{{
			NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{corev1.LabelMetadataName: "kube-system"}},
			PodSelector:       &metav1.LabelSelector{MatchLabels: map[string]string{"k8s-app": "kube-dns"}},
		}},
		Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolUDP, 53), port(corev1.ProtocolTCP, 53)},
	}
	np := policy(r, in, networkingv1.PolicyTypeEgress)
	np.Spec.Egress = append(rules, dns)
	return np, nil
}

func toHost(ip string, p int32) networkingv1.NetworkPolicyEgressRule {
	bits := 32
	if a, err := netip.ParseAddr(ip); err == nil && a.Is6() {
		bits = 128
	}
	return networkingv1.NetworkPolicyEgressRule{
		To:    []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: fmt.Sprintf("%s/%d", ip, bits)}}},
		Ports: []networkingv1.NetworkPolicyPort{port(corev1.ProtocolTCP, p)},
	}
}

func port(proto corev1.Protocol, p int32) networkingv1.NetworkPolicyPort {
	return networkingv1.NetworkPolicyPort{Protocol: ptr.To(proto), Port: ptr.To(intstr.FromInt32(p))}
}

// CreatePolicy creates np.
func CreatePolicy(ctx context.Context, r *run.Run, np *networkingv1.NetworkPolicy) error {
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	if _, err := r.Proxy.Clientset().NetworkingV1().NetworkPolicies(np.Namespace).Create(cctx, np, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create NetworkPolicy %s/%s: %w", np.Namespace, np.Name, err)
	}
	return nil
}

// DeletePolicy deletes the NetworkPolicy ns/name.
func DeletePolicy(ctx context.Context, r *run.Run, ns, name string) error {
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	if err := r.Proxy.Clientset().NetworkingV1().NetworkPolicies(ns).Delete(cctx, name, metav1.DeleteOptions{}); err != nil {
		return fmt.Errorf("delete NetworkPolicy %s/%s: %w", ns, name, err)
	}
	return nil
}
