package rbac

import (
	"context"
	"fmt"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/e2e-framework/klient/k8s"
)

// ReadBindings reads every RoleBinding and ClusterRoleBinding of the cluster
// with its role's rules (a ClusterRole's aggregated rules are in it already).
func ReadBindings(ctx context.Context, cs kubernetes.Interface) ([]Binding, error) {
	var out []Binding
	rbs, err := cs.RbacV1().RoleBindings("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list RoleBindings: %w", err)
	}
	for _, b := range rbs.Items {
		rules, err := roleRules(ctx, cs, b.Namespace, b.RoleRef)
		if err != nil {
			return nil, err
		}
		out = append(out, Binding{Namespace: b.Namespace, Name: b.Name, Subjects: b.Subjects, RoleRef: b.RoleRef, Rules: rules})
	}
	crbs, err := cs.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list ClusterRoleBindings: %w", err)
	}
	for _, b := range crbs.Items {
		rules, err := roleRules(ctx, cs, "", b.RoleRef)
		if err != nil {
			return nil, err
		}
		out = append(out, Binding{Name: b.Name, Subjects: b.Subjects, RoleRef: b.RoleRef, Rules: rules})
	}
	return out, nil
}

// BindingsOf are the bindings among objs (manifests, as a chart or kustomize
// renders them) with their roles' rules. A ClusterRole with an aggregationRule
// gets the rules of the ClusterRoles among objs its selectors match, as the
// aggregation controller would write them. unknown names each role a binding
// refers to that objs do not hold: its rules are not known here.
func BindingsOf(objs []k8s.Object) (bindings []Binding, unknown []string) {
	roles := map[string][]rbacv1.PolicyRule{} // "ns/name" or "/name"
	var crs []*rbacv1.ClusterRole
	for _, o := range objs {
		switch r := o.(type) {
		case *rbacv1.Role:
			roles[r.Namespace+"/"+r.Name] = r.Rules
		case *rbacv1.ClusterRole:
			crs = append(crs, r)
		}
	}
	for _, cr := range crs {
		rules := slices.Clone(cr.Rules)
		if cr.AggregationRule != nil {
			for _, sel := range cr.AggregationRule.ClusterRoleSelectors {
				s, err := metav1.LabelSelectorAsSelector(&sel)
				if err != nil {
					continue
				}
				for _, other := range crs {
					if other != cr && s.Matches(labels.Set(other.Labels)) {
						rules = append(rules, other.Rules...)
					}
				}
			}
		}
		roles["/"+cr.Name] = rules
	}
	add := func(ns, name string, subjects []rbacv1.Subject, ref rbacv1.RoleRef) {
		key := "/" + ref.Name
		if ref.Kind == "Role" {
			key = ns + "/" + ref.Name
		}
		rules, ok := roles[key]
		what := "ClusterRole " + ref.Name
		if ref.Kind == "Role" {
			what = "Role " + key
		}
		if !ok && !slices.Contains(unknown, what) {
			unknown = append(unknown, what)
		}
		bindings = append(bindings, Binding{Namespace: ns, Name: name, Subjects: subjects, RoleRef: ref, Rules: rules})
	}
	for _, o := range objs {
		switch b := o.(type) {
		case *rbacv1.RoleBinding:
			add(b.Namespace, b.Name, b.Subjects, b.RoleRef)
		case *rbacv1.ClusterRoleBinding:
			add("", b.Name, b.Subjects, b.RoleRef)
		}
	}
	return bindings, unknown
}
