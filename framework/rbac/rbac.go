// Package rbac answers "can this identity do that" the way `kubectl auth can-i
// --as=...` does (SelfSubjectAccessReview / SelfSubjectRulesReview while
// impersonating), and flags the guide's "Bad: Too broad" wildcard rules.
package rbac

import (
	"context"
	"fmt"

	authzv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// As is a clientset that impersonates user, as kubectl's --as does.
func As(base *rest.Config, user string) (kubernetes.Interface, error) {
	cfg := rest.CopyConfig(base)
	cfg.Impersonate = rest.ImpersonationConfig{UserName: user}
	return kubernetes.NewForConfig(cfg)
}

// CanI is `kubectl auth can-i VERB RESOURCE[/NAME] -n NS`, asked with cs's identity.
func CanI(ctx context.Context, cs kubernetes.Interface, c Request) (bool, error) {
	r := &authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: c.Attributes(),
	}}
	got, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("can-i %s: %w", c, err)
	}
	return got.Status.Allowed, nil
}

// CanUser answers `kubectl auth can-i ... --as=USER` with a SubjectAccessReview
// for user and the groups the API server gives it (UserGroups), so the asker
// needs no impersonation rights (a least-privilege runner has none).
func CanUser(ctx context.Context, cs kubernetes.Interface, user string, c Request) (bool, error) {
	r := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{
		User:               user,
		Groups:             UserGroups(user),
		ResourceAttributes: c.Attributes(),
	}}
	got, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("can-i %s --as=%s: %w", c, user, err)
	}
	return got.Status.Allowed, nil
}

// CanIAs is CanUser for ServiceAccount sa of namespace ns.
func CanIAs(ctx context.Context, cs kubernetes.Interface, ns, sa string, c Request) (bool, error) {
	return CanUser(ctx, cs, ServiceAccountUser(ns, sa), c)
}

// Rules is `kubectl auth can-i --list -n NS`, asked with cs's identity.
func Rules(ctx context.Context, cs kubernetes.Interface, ns string) ([]authzv1.ResourceRule, error) {
	r := &authzv1.SelfSubjectRulesReview{Spec: authzv1.SelfSubjectRulesReviewSpec{Namespace: ns}}
	got, err := cs.AuthorizationV1().SelfSubjectRulesReviews().Create(ctx, r, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("can-i --list: %w", err)
	}
	return got.Status.ResourceRules, nil
}

// Wildcards names every "*" in the apiGroups, resources or verbs of rules — the
// guide's "Bad: Too broad". Empty means the rules are specific.
func Wildcards(rules []rbacv1.PolicyRule) []string {
	var found []string
	for i, r := range rules {
		for field, values := range map[string][]string{"apiGroups": r.APIGroups, "resources": r.Resources, "verbs": r.Verbs} {
			for _, v := range values {
				if v == "*" {
					found = append(found, fmt.Sprintf("rule %d: %s contains \"*\"", i, field))
				}
			}
		}
	}
	return found
}
