package rbac

import (
	"context"
	"fmt"
	"slices"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/component-helpers/auth/rbac/validation"
)

// Grants are the bindings through which a ServiceAccount holds a request, as the
// RBAC authorizer reads them.
type Grants struct {
	// By names each binding whose role covers the request:
	// "RoleBinding NS/NAME → Role NAME".
	By []string
	// OnlyNamed names bindings whose role would cover it but for resourceNames,
	// which a request without a name (list, watch, create) never matches.
	OnlyNamed []string
}

// String is By joined, for a cause column.
func (g Grants) String() string { return strings.Join(g.By, "; ") }

// Binding is a RoleBinding (Namespace set) or a ClusterRoleBinding with the rules
// of the role it refers to (a ClusterRole's aggregated rules included: the
// aggregation controller writes them into the ClusterRole).
type Binding struct {
	Namespace, Name string
	Subjects        []rbacv1.Subject
	RoleRef         rbacv1.RoleRef
	Rules           []rbacv1.PolicyRule
}

func (b Binding) String() string {
	if b.Namespace != "" {
		return fmt.Sprintf("RoleBinding %s/%s → %s %s", b.Namespace, b.Name, b.RoleRef.Kind, b.RoleRef.Name)
	}
	return fmt.Sprintf("ClusterRoleBinding %s → ClusterRole %s", b.Name, b.RoleRef.Name)
}

// ReadGrants reads the RoleBindings of q's namespace and the ClusterRoleBindings,
// with their roles, and finds those through which ServiceAccount ns/sa holds q.
func ReadGrants(ctx context.Context, cs kubernetes.Interface, ns, sa string, q Request) (Grants, error) {
	var bindings []Binding
	if authzNS := q.AuthzNamespace(); authzNS != "" {
		rbs, err := cs.RbacV1().RoleBindings(authzNS).List(ctx, metav1.ListOptions{})
		if err != nil {
			return Grants{}, fmt.Errorf("list RoleBindings in %s: %w", authzNS, err)
		}
		for _, b := range rbs.Items {
			rules, err := roleRules(ctx, cs, b.Namespace, b.RoleRef)
			if err != nil {
				return Grants{}, err
			}
			bindings = append(bindings, Binding{Namespace: b.Namespace, Name: b.Name, Subjects: b.Subjects, RoleRef: b.RoleRef, Rules: rules})
		}
	}
	crbs, err := cs.RbacV1().ClusterRoleBindings().List(ctx, metav1.ListOptions{})
	if err != nil {
		return Grants{}, fmt.Errorf("list ClusterRoleBindings: %w", err)
	}
	for _, b := range crbs.Items {
		rules, err := roleRules(ctx, cs, "", b.RoleRef)
		if err != nil {
			return Grants{}, err
		}
		bindings = append(bindings, Binding{Name: b.Name, Subjects: b.Subjects, RoleRef: b.RoleRef, Rules: rules})
	}
	return GrantsOf(bindings, ns, sa, q), nil
}

// GrantsOf finds, among bindings, those through which ServiceAccount ns/sa holds
// q: a RoleBinding applies in its own namespace only, a ClusterRoleBinding
// everywhere; a subject covers the account as the ServiceAccount (a RoleBinding's
// subject without a namespace means the binding's), its user name, or one of its
// groups (system:serviceaccounts, system:serviceaccounts:<ns>,
// system:authenticated); rules are matched with the RBAC library's own coverage
// rules (component-helpers validation.Covers: wildcards, */subresource, and
// resourceNames that a request without a name never matches).
func GrantsOf(bindings []Binding, ns, sa string, q Request) Grants {
	var g Grants
	want := requestRule(q)
	for _, b := range bindings {
		if b.Namespace != "" && b.Namespace != q.AuthzNamespace() {
			continue
		}
		if !subjectsCover(b.Subjects, b.Namespace, ns, sa) {
			continue
		}
		if ok, _ := validation.Covers(b.Rules, []rbacv1.PolicyRule{want}); ok {
			g.By = append(g.By, b.String())
			continue
		}
		if q.Name == "" {
			unnamed := slices.Clone(b.Rules)
			for i := range unnamed {
				unnamed[i].ResourceNames = nil
			}
			if ok, _ := validation.Covers(unnamed, []rbacv1.PolicyRule{want}); ok {
				g.OnlyNamed = append(g.OnlyNamed, b.String())
			}
		}
	}
	return g
}

// requestRule is q as the one-verb, one-resource rule that would allow it.
func requestRule(q Request) rbacv1.PolicyRule {
	r := rbacv1.PolicyRule{Verbs: []string{q.Verb}, APIGroups: []string{q.Group}, Resources: []string{q.RBACResource()}}
	if q.Name != "" {
		r.ResourceNames = []string{q.Name}
	}
	return r
}

// Covers reports whether b binds ServiceAccount ns/sa (GrantsOf's subject rule).
func (b Binding) Covers(ns, sa string) bool { return subjectsCover(b.Subjects, b.Namespace, ns, sa) }

// subjectsCover reports whether one of a binding's subjects is ServiceAccount
// ns/sa, as the RBAC authorizer decides it.
func subjectsCover(subjects []rbacv1.Subject, bindingNS, ns, sa string) bool {
	groups := []string{"system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"}
	for _, s := range subjects {
		switch s.Kind {
		case rbacv1.ServiceAccountKind:
			saNS := s.Namespace
			if saNS == "" {
				saNS = bindingNS
			}
			if s.Name == sa && saNS == ns {
				return true
			}
		case rbacv1.UserKind:
			if s.Name == ServiceAccountUser(ns, sa) {
				return true
			}
		case rbacv1.GroupKind:
			if slices.Contains(groups, s.Name) {
				return true
			}
		}
	}
	return false
}

// roleRules are the rules of ref; a binding to a role that does not exist grants
// nothing, as in the authorizer.
func roleRules(ctx context.Context, cs kubernetes.Interface, ns string, ref rbacv1.RoleRef) ([]rbacv1.PolicyRule, error) {
	if ref.Kind == "Role" {
		r, err := cs.RbacV1().Roles(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("get Role %s/%s: %w", ns, ref.Name, err)
		}
		return r.Rules, nil
	}
	r, err := cs.RbacV1().ClusterRoles().Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("get ClusterRole %s: %w", ref.Name, err)
	}
	return r.Rules, nil
}
