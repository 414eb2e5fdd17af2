// Package faults breaks a run's own objects on purpose, so a self-check can show
// that the specs guarding a property go red when the property does not hold.
// Faults are named in INPOD_INJECT (-inpod.inject) and touch only objects
// created for the run, in its namespaces.
package faults

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/run"
)

// BreakBeforeAllHere is the test-only BreakBeforeAll: where the method
// fixtures' BeforeAll calls it, it fails when injected.
func BreakBeforeAllHere(r *run.Run) error {
	if r.Config.Injects(BreakBeforeAll) {
		return fmt.Errorf("fault %s: this BeforeAll fails on purpose", BreakBeforeAll)
	}
	return nil
}

// GrantDefaultView applies DefaultCanListPods to ns when the run injects it.
func GrantDefaultView(ctx context.Context, r *run.Run, ns string) error {
	if !r.Config.Injects(DefaultCanListPods) {
		return nil
	}
	return bindDefaultView(ctx, r, ns)
}

// Install makes r's copies of the guide (guide.Objects, guide.Pod) carry the
// faults it injects: the one place objects are broken.
func Install(r *run.Run) {
	if len(r.Config.Inject) == 0 {
		return
	}
	r.ObjectFaults = func(file string, objs []k8s.Object) []k8s.Object { return mutate(r, file, objs) }
}

// mutate applies the injected faults to the objects of one guide file about to
// be deployed and returns what is to be deployed instead.
func mutate(r *run.Run, file string, objs []k8s.Object) []k8s.Object {
	var out []k8s.Object
	for _, o := range objs {
		switch obj := o.(type) {
		case *corev1.Pod:
			if r.Config.Injects(NoAPIPodAutomounts) && file == "no-api-pod.yaml" {
				obj.Spec.AutomountServiceAccountToken = nil
			}
			if r.Config.Injects(SecurePodAPIServerAudience) && file == "secure-pod.yaml" {
				widenAudience(obj)
			}
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
			if r.Config.Injects(TooBroadNarrowed) && obj.Name == "too-broad" {
				obj.Rules = []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}}}
			}
			if r.Config.Injects(MyConfigWithoutResourceNames) && obj.Name == "my-config-reader" {
				for i := range obj.Rules {
					obj.Rules[i].ResourceNames = nil
				}
			}
			if r.Config.Injects(PodReaderRoleSecrets) && obj.Name == "pod-reader-role" {
				obj.Rules[0].Resources = append(obj.Rules[0].Resources, "secrets")
			}
			if r.Config.Injects(NamespaceReaderNoApps) && obj.Name == "namespace-reader" {
				for i := range obj.Rules {
					obj.Rules[i].APIGroups = without(obj.Rules[i].APIGroups, "apps")
				}
			}
			if r.Config.Injects(DeploymentManagerNoDeploy) && obj.Name == "deployment-manager" {
				var keep []rbacv1.PolicyRule
				for _, rule := range obj.Rules {
					if !slices.Contains(rule.Resources, "deployments") {
						keep = append(keep, rule)
					}
				}
				obj.Rules = keep
			}
		}
		out = append(out, o)
	}
	return out
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

// widenAudience drops the audience of the Pod's projected token (the API
// server's default audience is then used).
func widenAudience(p *corev1.Pod) {
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

func without(list []string, drop string) []string {
	var out []string
	for _, s := range list {
		if s != drop {
			out = append(out, s)
		}
	}
	return out
}

// ProjectedLifetime is the expirationSeconds of the slow specs' projected token:
// seconds, or an hour under ProjectedTokenLongLived.
func ProjectedLifetime(r *run.Run, seconds int64) int64 {
	if r.Config.Injects(ProjectedTokenLongLived) {
		return 3600
	}
	return seconds
}

// AutomountCell is the automountServiceAccountToken an automount cell's probe
// pod is created with: the cell's own, or under AutomountCellsInverted the
// opposite of what the cell expects to win.
func AutomountCell(r *run.Run, pod *bool, want bool) *bool {
	if r.Config.Injects(AutomountCellsInverted) {
		return ptr.To(!want)
	}
	return pod
}

// TokensProbeAutomount is the tokens namespace's probe pod setting: unset, or
// false under DefaultTokenNotMounted.
func TokensProbeAutomount(r *run.Run) *bool {
	if r.Config.Injects(DefaultTokenNotMounted) {
		return ptr.To(false)
	}
	return nil
}

// TokenSeconds is what a tokens spec's TokenRequest asks: seconds, or one more
// under TokenRequestOneSecondMore.
func TokenSeconds(r *run.Run, seconds int64) int64 {
	if r.Config.Injects(TokenRequestOneSecondMore) {
		return seconds + 1
	}
	return seconds
}

// ForensicsAccount is the ServiceAccount of the forensics pod and the legacy
// token Secret: sa, or default under ForensicsAsDefault.
func ForensicsAccount(r *run.Run, sa string) string {
	if r.Config.Injects(ForensicsAsDefault) {
		return "default"
	}
	return sa
}

// ForensicsToken is the token the forensics specs examine: the mounted one, or
// under ForensicsClaimsTampered the same with its pod uid, node name and jti
// rewritten and its signature kept (so the signature no longer verifies).
func ForensicsToken(r *run.Run, token string) (string, error) {
	if !r.Config.Injects(ForensicsClaimsTampered) {
		return token, nil
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", fmt.Errorf("fault %s: the mounted token is not a JWT", ForensicsClaimsTampered)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", fmt.Errorf("fault %s: payload: %w", ForensicsClaimsTampered, err)
	}
	var claims map[string]any
	if err := json.Unmarshal(raw, &claims); err != nil {
		return "", fmt.Errorf("fault %s: payload: %w", ForensicsClaimsTampered, err)
	}
	claims["jti"] = "inpod-fault-tampered"
	if k, ok := claims["kubernetes.io"].(map[string]any); ok {
		for key, field := range map[string]string{"pod": "uid", "node": "name"} {
			if m, ok := k[key].(map[string]any); ok {
				m[field] = "inpod-fault-tampered"
			}
		}
	}
	out, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	parts[1] = base64.RawURLEncoding.EncodeToString(out)
	return strings.Join(parts, "."), nil
}

// Troubleshooting applies TroubleshootingMisconfigured to the troubleshooting
// namespace's pods (before they are created) and its default ServiceAccount.
func Troubleshooting(ctx context.Context, r *run.Run, ns string, myPod, noAPIPod *corev1.Pod) error {
	if !r.Config.Injects(TroubleshootingMisconfigured) {
		return nil
	}
	myPod.Spec.AutomountServiceAccountToken = ptr.To(false)
	noAPIPod.Spec.AutomountServiceAccountToken = nil
	return bindDefaultView(ctx, r, ns)
}

// bindDefaultView lets ns's default ServiceAccount read the namespace (ClusterRole view).
func bindDefaultView(ctx context.Context, r *run.Run, ns string) error {
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
