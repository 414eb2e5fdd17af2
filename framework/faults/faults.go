// Package faults breaks a run's own objects on purpose, so a self-check can show
// that the specs guarding a property go red when the property does not hold.
// Faults are named in INPOD_INJECT (-inpod.inject) and touch only objects
// created for the run, in its namespaces.
package faults

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/run"
)

// DefaultCanListPods names the fault that binds the namespace's default
// ServiceAccount to the built-in "view" ClusterRole: the guide's "This will
// likely fail with Forbidden" must then fail.
const DefaultCanListPods = "default-can-list-pods"

// Known lists every fault with what it breaks.
var Known = map[string]string{
	DefaultCanListPods: "the default ServiceAccount of each method namespace may list pods (RoleBinding to ClusterRole view)",
}

// Validate refuses unknown fault names with one line.
func Validate(names []string) error {
	for _, n := range names {
		if _, ok := Known[n]; !ok {
			return fmt.Errorf("unknown fault %q in INPOD_INJECT (known: %v)", n, keys())
		}
	}
	return nil
}

func keys() []string {
	var k []string
	for n := range Known {
		k = append(k, n)
	}
	return k
}

// GrantDefaultView applies DefaultCanListPods to ns when the run injects it.
func GrantDefaultView(ctx context.Context, r *run.Run, ns string) error {
	if !r.Config.Injects(DefaultCanListPods) {
		return nil
	}
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "inpod-fault-default-view", Namespace: ns, Labels: r.Labels()},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "default", Namespace: ns}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
	}
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	_, err := r.Proxy.Clientset().RbacV1().RoleBindings(ns).Create(cctx, rb, metav1.CreateOptions{})
	return err
}

// SecurePodAPIServerAudience names the fault that drops the secure-pod's
// "audience: api": its token is then for the API server, which must accept it.
const SecurePodAPIServerAudience = "secure-pod-apiserver-audience"

// KeepBoundPod names the fault that skips deleting the pod a copied token is
// bound to: the token must then keep working and the invalidation spec go red.
const KeepBoundPod = "bound-pod-not-deleted"

// MyConfigWithoutResourceNames names the fault that drops resourceNames from the
// guide's least-privilege rule: every ConfigMap becomes readable.
const MyConfigWithoutResourceNames = "my-config-without-resourcenames"

func init() {
	Known[SecurePodAPIServerAudience] = "the guide's secure-pod gets a token for the API server's audience instead of api"
	Known[KeepBoundPod] = "the pod a copied token is bound to is not deleted"
	Known[MyConfigWithoutResourceNames] = "the my-config rule loses resourceNames: [my-config]"
}

// WidenSecurePodAudience applies SecurePodAPIServerAudience to the secure-pod.
func WidenSecurePodAudience(r *run.Run, p *corev1.Pod) {
	if !r.Config.Injects(SecurePodAPIServerAudience) {
		return
	}
	for _, v := range p.Spec.Volumes {
		if v.Projected == nil {
			continue
		}
		for _, s := range v.Projected.Sources {
			if s.ServiceAccountToken != nil {
				s.ServiceAccountToken.Audience = ""
			}
		}
	}
}

// DropResourceNames applies MyConfigWithoutResourceNames to a Role's rules.
func DropResourceNames(r *run.Run, role *rbacv1.Role) {
	if !r.Config.Injects(MyConfigWithoutResourceNames) {
		return
	}
	for i := range role.Rules {
		role.Rules[i].ResourceNames = nil
	}
}

// Faults that change the guide's RBAC objects as they are deployed.
const (
	PodReaderBindingMissing = "pod-reader-binding-missing"
	PodReaderNoAutomount    = "pod-reader-no-automount"
	PodReaderRoleSecrets    = "pod-reader-role-secrets"
	ClusterBindingMissing   = "cluster-pod-reader-binding-missing"
)

func init() {
	Known[PodReaderBindingMissing] = "serviceaccount-rbac.yaml is deployed without pod-reader-binding"
	Known[PodReaderNoAutomount] = "the pod-reader ServiceAccount has automountServiceAccountToken: false"
	Known[PodReaderRoleSecrets] = "pod-reader-role also grants get/list/watch on secrets"
	Known[ClusterBindingMissing] = "cluster-pod-reader.yaml is deployed without its ClusterRoleBinding"
}

// Mutate applies the injected faults to the objects of one guide file about to
// be deployed and returns what is to be deployed instead.
func Mutate(r *run.Run, file string, objs []k8s.Object) []k8s.Object {
	var out []k8s.Object
	for _, o := range objs {
		switch obj := o.(type) {
		case *rbacv1.RoleBinding:
			if r.Config.Injects(PodReaderBindingMissing) && obj.Name == "pod-reader-binding" {
				continue
			}
		case *rbacv1.ClusterRoleBinding:
			if r.Config.Injects(ClusterBindingMissing) && file == "cluster-pod-reader.yaml" {
				continue
			}
		case *corev1.ServiceAccount:
			if r.Config.Injects(PodReaderNoAutomount) && obj.Name == "pod-reader" {
				f := false
				obj.AutomountServiceAccountToken = &f
			}
		case *rbacv1.Role:
			if r.Config.Injects(PodReaderRoleSecrets) && obj.Name == "pod-reader-role" {
				obj.Rules[0].Resources = append(obj.Rules[0].Resources, "secrets")
			}
		}
		out = append(out, o)
	}
	return out
}

// EgressToAPIDenied names the fault that puts a default-deny egress
// NetworkPolicy into each method namespace: on a cluster that enforces
// NetworkPolicy no pod there reaches the API server, and every red spec must
// name the policy, not a bare timeout.
const EgressToAPIDenied = "egress-to-api-denied"

func init() {
	Known[EgressToAPIDenied] = "a default-deny egress NetworkPolicy selects every pod of each method namespace (needs a cluster that enforces NetworkPolicy)"
}

// DenyEgress applies EgressToAPIDenied to ns when the run injects it.
func DenyEgress(ctx context.Context, r *run.Run, ns string) error {
	if !r.Config.Injects(EgressToAPIDenied) {
		return nil
	}
	np := &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "inpod-fault-deny-egress", Namespace: ns, Labels: r.Labels()},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
		},
	}
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	_, err := r.Proxy.Clientset().NetworkingV1().NetworkPolicies(ns).Create(cctx, np, metav1.CreateOptions{})
	return err
}
