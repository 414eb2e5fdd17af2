package intent

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/rbac"
)

// A draft from manifests says what the RBAC authorizer would grant: subjects
// by group, aggregated ClusterRoles, */subresource wildcards, a Role's own
// namespace object, resourceNames that list never matches, and names what an
// intent cannot say; it parses, and denies what is not granted.
func TestDraftFromManifests(t *testing.T) {
	agg := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "ctl"},
		AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"ctl/aggregate": "true"}}}}}
	part := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "ctl-part", Labels: map[string]string{"ctl/aggregate": "true"}},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"nodes"}, Verbs: []string{"list", "watch"}},
			{APIGroups: []string{""}, Resources: []string{"nodes/metrics"}, Verbs: []string{"get"}}}}
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ops"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"namespaces"}, Verbs: []string{"get"}},
			{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"lock"}, Verbs: []string{"get", "list"}},
			{APIGroups: []string{""}, Resources: []string{"serviceaccounts"}, Verbs: []string{"impersonate"}}}}
	other := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "logs", Namespace: "apps"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods", "pods/log"}, Verbs: []string{"get"}}}}
	objs := []k8s.Object{agg, part, role, other,
		&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "ctl"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "ctl"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "system:serviceaccounts:ops"}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ops"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "ctl"}}}, // namespace: the binding's
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "logs", Namespace: "apps"}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "logs"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "ctl", Namespace: "ops"}}},
		&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "other-sa", Namespace: "ops"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "admin"},
			Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "someone-else"}}},
	}
	bindings, unknown := rbac.BindingsOf(objs)
	if len(unknown) != 1 || unknown[0] != "ClusterRole admin" {
		t.Errorf("unknown roles %v", unknown)
	}
	out := string(Draft(DraftInput{Namespace: "ops", Name: "ctl", Bindings: bindings, Source: "test"}))
	for _, want := range []string{
		"{verb: list, resource: nodes, namespace: cluster-wide}  # ClusterRoleBinding ctl → ClusterRole ctl",
		"{verb: watch, resource: nodes, namespace: cluster-wide}",
		"{verb: get, resource: namespaces, name: ops, namespace: cluster-wide}  # RoleBinding ops/r → Role r",
		"{verb: get, resource: configmaps, name: lock}",
		"{verb: get, resource: pods, subresource: log, name: inpod-draft-any, namespace: apps}",
		"{verb: get, resource: nodes, subresource: metrics, name: inpod-draft-any, namespace: cluster-wide}",
		"list configmaps for resourceNames [lock]: resourceNames cannot restrict list",
		"{verb: impersonate, resource: serviceaccounts}  # RoleBinding ops/r → Role r",
		"{verb: escalate, group: rbac.authorization.k8s.io, resource: clusterroles, namespace: cluster-wide}",
		"  - {verb: list, resource: secrets}\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("draft lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "admin") || strings.Contains(out, "{verb: list, resource: configmaps}") {
		t.Errorf("draft grants what the authorizer would not:\n%s", out)
	}
	if _, err := Parse("draft.yaml", []byte(out)); err != nil {
		t.Errorf("the draft does not parse: %v\n%s", err, out)
	}
}

// With discovery, wildcards expand to what is served, a verb wildcard to the
// resource's verbs, and a denied request the rules grant is left out.
func TestDraftExpandsWildcards(t *testing.T) {
	cr := &rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "scaler"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*/scale"}, Verbs: []string{"*"}},
			{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"list"}},
			{APIGroups: []string{"extensions"}, Resources: []string{"ingresses"}, Verbs: []string{"list"}},
			{APIGroups: []string{""}, Resources: []string{"nodes/metrics"}, Verbs: []string{"get"}}}}
	crb := &rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "scaler"}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "scaler"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: "hpa", Namespace: "kube-system"}}}
	bindings, _ := rbac.BindingsOf([]k8s.Object{cr, crb})
	served := []Served{
		{Group: "apps", Resource: "deployments", Namespaced: true, Verbs: []string{"get", "list"}},
		{Group: "apps", Resource: "deployments/scale", Namespaced: true, Verbs: []string{"get", "patch", "update"}},
		{Group: "", Resource: "secrets", Namespaced: true, Verbs: []string{"get", "list"}},
	}
	out := string(Draft(DraftInput{Namespace: "kube-system", Name: "hpa", Bindings: bindings, Served: served, Source: "test"}))
	for _, want := range []string{
		"{verb: get, group: apps, resource: deployments, subresource: scale, name: inpod-draft-any}",
		"{verb: update, group: apps, resource: deployments, subresource: scale, name: inpod-draft-any}",
		"{verb: patch, group: apps, resource: deployments, subresource: scale, name: inpod-draft-any}",
		"list ingresses.extensions: the API server serves no such resource",
		"{verb: get, resource: nodes, subresource: metrics, name: inpod-draft-any, namespace: cluster-wide}",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("draft lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "{verb: list, group: apps, resource: deployments}") || strings.Contains(out, "  - {verb: list, resource: secrets}\n") || strings.Contains(out, "  - {verb: list, resource: secrets, namespace: cluster-wide}\n") ||
		strings.Contains(out, "{verb: list, group: extensions") {
		t.Errorf("expanded too far, or denied what is granted:\n%s", out)
	}
	if _, err := Parse("draft.yaml", []byte(out)); err != nil {
		t.Errorf("the draft does not parse: %v", err)
	}
}
