package rbac

import (
	"context"
	"fmt"
	"slices"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Grants names every binding through which ServiceAccount ns/sa holds c, as
// "RoleBinding NS/NAME → Role NAME": the RoleBindings of c's namespace and the
// ClusterRoleBindings, matched by ServiceAccount, its user name or its groups.
func Grants(ctx context.Context, cs kubernetes.Interface, ns, sa string, c Request) ([]string, error) {
	var found []string
	rbs := &rbacv1.RoleBindingList{}
	if c.Namespace != "" {
		var err error
		if rbs, err = cs.RbacV1().RoleBindings(c.Namespace).List(ctx, metav1.ListOptions{}); err != nil {
			return nil, fmt.Errorf("list RoleBindings in %s: %w", c.Namespace, err)
		}
	}
	for _, b := range rbs.Items {
		if !bindsServiceAccount(b.Subjects, ns, sa) {
			continue
		}
		rules, err := roleRules(ctx, cs, b.Namespace, b.RoleRef)
		if err != nil {
			return nil, err
		}
		if RulesAllow(rules, c) {
			found = append(found, fmt.Sprintf("RoleBinding %s/%s → %s %s", b.Namespace, b.Name, b.RoleRef.Kind, b.RoleRef.Name))
		}
	}
	crbs, err := cs.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list ClusterRoleBindings: %w", err)
	}
	for _, b := range crbs.Items {
		if !bindsServiceAccount(b.Subjects, ns, sa) {
			continue
		}
		rules, err := roleRules(ctx, cs, "", b.RoleRef)
		if err != nil {
			return nil, err
		}
		if RulesAllow(rules, c) {
			found = append(found, fmt.Sprintf("ClusterRoleBinding %s → ClusterRole %s", b.Name, b.RoleRef.Name))
		}
	}
	return found, nil
}

func bindsServiceAccount(subjects []rbacv1.Subject, ns, sa string) bool {
	groups := []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
	for _, s := range subjects {
		switch {
		case s.Kind == rbacv1.ServiceAccountKind && s.Name == sa && s.Namespace == ns:
			return true
		case s.Kind == rbacv1.UserKind && s.Name == ServiceAccountUser(ns, sa):
			return true
		case s.Kind == rbacv1.GroupKind && slices.Contains(groups, s.Name):
			return true
		}
	}
	return false
}

func roleRules(ctx context.Context, cs kubernetes.Interface, ns string, ref rbacv1.RoleRef) ([]rbacv1.PolicyRule, error) {
	if ref.Kind == "Role" {
		r, err := cs.RbacV1().Roles(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("get Role %s/%s: %w", ns, ref.Name, err)
		}
		return r.Rules, nil
	}
	r, err := cs.RbacV1().ClusterRoles().Get(ctx, ref.Name, metav1.GetOptions{})
	if err != nil {
		return nil, fmt.Errorf("get ClusterRole %s: %w", ref.Name, err)
	}
	return r.Rules, nil
}

// RulesAllow reports whether one of rules covers c, with RBAC's wildcards.
func RulesAllow(rules []rbacv1.PolicyRule, c Request) bool {
	res := c.Resource
	if c.Subresource != "" {
		res += "/" + c.Subresource
	}
	has := func(list []string, v string) bool {
		return slices.Contains(list, v) || slices.Contains(list, rbacv1.ResourceAll)
	}
	for _, r := range rules {
		if has(r.Verbs, c.Verb) && has(r.APIGroups, c.Group) && has(r.Resources, res) &&
			(len(r.ResourceNames) == 0 || (c.Name != "" && slices.Contains(r.ResourceNames, c.Name))) {
			return true
		}
	}
	return false
}
