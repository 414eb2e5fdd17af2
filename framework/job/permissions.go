// Package job runs the compiled suites in a cluster as a Job under a
// least-privilege runner (manifests/job) and brings the reports back.
package job

import (
	"context"
	"fmt"
	"strings"

	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/inpod/inpod/framework/rbac"
)

// Namespace, runner and object names of manifests/job.
const (
	Namespace  = "inpod-system"
	Runner     = "inpod-runner"
	JobName    = "inpod"
	RunnerUser = "system:serviceaccount:" + Namespace + ":" + Runner
)

// Permission is one thing the runner must (or must not) be allowed to do. A
// Namespace of "any" asks about a namespaced grant held cluster-wide.
type Permission = rbac.Check

// Required is what the suites need, permission by permission; manifests/job's
// ClusterRole must grant each (checked before the Job starts).
var Required = func() []Permission {
	var ps []Permission
	add := func(group, resource, sub string, verbs ...string) {
		for _, v := range verbs {
			ps = append(ps, Permission{Verb: v, Group: group, Resource: resource, Subresource: sub})
		}
	}
	add("", "namespaces", "", "create", "delete", "get", "list", "watch")
	add("", "pods", "", "create", "delete", "get", "list", "watch")
	add("", "pods", "exec", "create", "get")
	add("", "pods", "log", "get")
	add("", "serviceaccounts", "", "create", "get", "list")
	add("", "serviceaccounts", "token", "create")
	add("", "configmaps", "", "create", "get")
	add("", "events", "", "list")
	add("rbac.authorization.k8s.io", "roles", "", "create", "get", "list")
	add("rbac.authorization.k8s.io", "rolebindings", "", "create", "get", "list")
	add("rbac.authorization.k8s.io", "clusterroles", "", "create", "delete", "get", "list")
	add("rbac.authorization.k8s.io", "clusterrolebindings", "", "create", "delete", "get", "list")
	ps = append(ps, Permission{Verb: "escalate", Group: "rbac.authorization.k8s.io", Resource: "roles", Namespace: "any"})
	for _, role := range []string{"namespace-reader", "deployment-manager"} {
		ps = append(ps, Permission{Verb: "bind", Group: "rbac.authorization.k8s.io", Resource: "roles", Name: role, Namespace: "any"})
	}
	add("authentication.k8s.io", "tokenreviews", "", "create")
	add("authorization.k8s.io", "subjectaccessreviews", "", "create")
	ps = append(ps, Permission{Verb: "get", Resource: "services", Namespace: "default", Name: "kubernetes"})
	return ps
}()

// Forbidden are things the runner must never be able to do.
var Forbidden = []Permission{
	{Verb: "get", Resource: "secrets", Namespace: "kube-system"},
	{Verb: "list", Resource: "secrets"},
	{Verb: "bind", Group: "rbac.authorization.k8s.io", Resource: "clusterroles", Name: "cluster-admin"},
	{Verb: "escalate", Group: "rbac.authorization.k8s.io", Resource: "clusterroles"},
	{Verb: "impersonate", Resource: "serviceaccounts"},
	{Verb: "create", Group: "apps", Resource: "deployments", Namespace: "kube-system"},
}

func attributes(p Permission) *authzv1.ResourceAttributes {
	if p.Namespace == "any" {
		p.Namespace = "inpod-permission-check" // a namespaced check in some namespace: the grant is cluster-wide
	}
	return p.Attributes()
}

// Allowed asks whether user may do p (SubjectAccessReview; a ServiceAccount user
// gets its groups).
func Allowed(ctx context.Context, cs kubernetes.Interface, user string, p Permission) (bool, error) {
	groups := []string{"system:authenticated"}
	if rest, ok := strings.CutPrefix(user, "system:serviceaccount:"); ok {
		ns, _, _ := strings.Cut(rest, ":")
		groups = append(groups, "system:serviceaccounts", "system:serviceaccounts:"+ns)
	}
	r := &authzv1.SubjectAccessReview{Spec: authzv1.SubjectAccessReviewSpec{User: user, Groups: groups, ResourceAttributes: attributes(p)}}
	got, err := cs.AuthorizationV1().SubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("check %s: %w", p, err)
	}
	return got.Status.Allowed, nil
}

// SelfAllowed asks whether the caller may do p (SelfSubjectAccessReview).
func SelfAllowed(ctx context.Context, cs kubernetes.Interface, p Permission) (bool, error) {
	r := &authzv1.SelfSubjectAccessReview{Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: attributes(p)}}
	got, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, r, metav1.CreateOptions{})
	if err != nil {
		return false, fmt.Errorf("check %s: %w", p, err)
	}
	return got.Status.Allowed, nil
}

// Missing lists, one line each, the permissions in want that user lacks.
func Missing(ctx context.Context, cs kubernetes.Interface, user string, want []Permission) ([]string, error) {
	var lines []string
	for _, p := range want {
		ok, err := Allowed(ctx, cs, user, p)
		if err != nil {
			return nil, err
		}
		if !ok {
			lines = append(lines, fmt.Sprintf("%s may not %s", user, p))
		}
	}
	return lines, nil
}
