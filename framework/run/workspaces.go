package run

import (
	"context"
	"errors"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/inpod/inpod/framework/config"
)

// Workspace is one namespace the suite works in, named by its purpose. With
// provided namespaces (Config.ProvidedNamespaces, the in-cluster Job) the
// run creates none of them: manifests/job creates each, with what only an
// administrator may create there, and the runner may write only inside them.
type Workspace struct {
	Purpose string
	// GuideRoles: the guide's namespace-reader and deployment-manager Roles, each
	// bound to a ServiceAccount of its name. They grant more than the runner holds,
	// so creating or binding them needs escalate/bind.
	GuideRoles bool
	// ClusterPodReader: the guide's cluster-pod-reader ClusterRole, bound to this
	// namespace's pod-reader ServiceAccount (cluster-scoped, so the administrator's).
	ClusterPodReader bool
}

// Workspaces lists every namespace purpose of the suite, the slow specs' included.
var Workspaces = func() []Workspace {
	var ws []Workspace
	for _, p := range []string{"smoke", "tokens", "forensics", "automount", "least-privilege", "expiry", "rotation"} {
		ws = append(ws, Workspace{Purpose: p})
	}
	// Each method's fixture gets three namespaces (setupMethod in
	// suites/inpod/fixture_test.go): P, P-cluster and P-other.
	for _, p := range config.Methods {
		ws = append(ws, Workspace{Purpose: p, GuideRoles: true}, Workspace{Purpose: p + "-cluster", ClusterPodReader: true},
			Workspace{Purpose: p + "-other"})
	}
	return ws
}()

// Provided reports whether the run uses namespaces an administrator created.
func (r *Run) Provided() bool { return r.Config.ProvidedNamespaces != "" }

// WorkspaceName is the provided namespace for purpose.
func WorkspaceName(prefix, purpose string) string { return prefix + purpose }

// AcquireNamespace returns the namespace for purpose: a new one (CreateNamespace),
// or with provided namespaces the administrator's, once its default
// ServiceAccount shows it exists and the runner may work in it.
func (r *Run) AcquireNamespace(ctx context.Context, purpose string) (string, error) {
	if !r.Provided() {
		return r.CreateNamespace(ctx, CreateNamespaceInput{Purpose: purpose})
	}
	if !slices.ContainsFunc(Workspaces, func(w Workspace) bool { return w.Purpose == purpose }) {
		return "", fmt.Errorf("no provided namespace for purpose %q: add it to run.Workspaces and regenerate manifests/job", purpose)
	}
	ns := WorkspaceName(r.Config.ProvidedNamespaces, purpose)
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	if _, err := r.Proxy.Clientset().CoreV1().ServiceAccounts(ns).Get(cctx, "default", metav1.GetOptions{}); err != nil {
		return "", fmt.Errorf("provided namespace %s is not usable (apply manifests/job, which creates it and the runner's access to it): %w", ns, err)
	}
	return ns, nil
}

// ReleaseNamespace deletes a namespace the run created, or the run's objects in
// a provided one; it does not wait.
func (r *Run) ReleaseNamespace(ctx context.Context, ns string) error {
	if !r.Provided() {
		return r.DeleteNamespace(ctx, ns)
	}
	return r.clearNamespace(ctx, ns)
}

// clearNamespace deletes what carries the run's label in ns, never the
// administrator's objects there.
func (r *Run) clearNamespace(ctx context.Context, ns string) error {
	cs := r.Proxy.Clientset()
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	del := metav1.DeleteOptions{}
	sel := metav1.ListOptions{LabelSelector: r.Selector()}
	return errors.Join(
		cs.CoreV1().Pods(ns).DeleteCollection(cctx, del, sel),
		cs.CoreV1().ConfigMaps(ns).DeleteCollection(cctx, del, sel),
		cs.RbacV1().RoleBindings(ns).DeleteCollection(cctx, del, sel),
		cs.RbacV1().Roles(ns).DeleteCollection(cctx, del, sel),
		cs.CoreV1().ServiceAccounts(ns).DeleteCollection(cctx, del, sel),
	)
}

// cleanupProvided clears every provided namespace of the run's objects.
func (r *Run) cleanupProvided(ctx context.Context) error {
	var errs []error
	for _, w := range Workspaces {
		ns := WorkspaceName(r.Config.ProvidedNamespaces, w.Purpose)
		if err := r.clearNamespace(ctx, ns); err != nil {
			errs = append(errs, fmt.Errorf("clear %s: %w", ns, err))
		}
	}
	return errors.Join(errs...)
}
