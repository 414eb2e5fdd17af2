package incluster

// Preflight: what the caller and the runner must hold, checked before the Job starts.

import (
	"context"
	"fmt"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/klient/wait"

	"github.com/inpod/inpod/framework/rbac"
)

// callerNeeds is what the caller of `make job` must be allowed to do: create
// what manifests/job holds (the administrator's part), run the Job, read its
// output and verdict.
var callerNeeds = []rbac.Request{
	{Verb: "create", Resource: "namespaces"},
	{Verb: "delete", Resource: "namespaces"},
	{Verb: "create", Resource: "serviceaccounts", Namespace: Namespace},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterroles"},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"},
	{Verb: "delete", Group: "rbac.authorization.k8s.io", Resource: "clusterroles"},
	{Verb: "delete", Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "roles", Namespace: "default"},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "rolebindings", Namespace: "default"},
	{Verb: "create", Group: "authorization.k8s.io", Resource: "subjectaccessreviews"},
	{Verb: "create", Group: "batch", Resource: "jobs", Namespace: Namespace},
	{Verb: "get", Resource: "pods", Subresource: "log", Namespace: Namespace},
	{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: Namespace},
	{Verb: "get", Resource: "configmaps", Namespace: Namespace, Name: ResultsName},
}

// checkRunner confirms, with SubjectAccessReviews, that the runner holds every
// permission the suites need and none of the Forbidden ones.
func checkRunner(ctx context.Context, in Input) error {
	cs := in.Proxy.Clientset()
	want := RequiredChecks()
	if in.Intent != nil {
		want = append(want, in.Intent.checks()...)
	}
	var missing, excess []string
	// RBAC takes effect at once, but its informer-fed cache may lag a moment.
	err := wait.For(func(ctx context.Context) (bool, error) {
		var err error
		if missing, err = Missing(ctx, cs, RunnerUser, want); err != nil {
			return false, nil
		}
		if excess, err = Excess(ctx, cs, RunnerUser, Forbidden); err != nil {
			return false, nil
		}
		return len(missing) == 0 && (len(excess) == 0 || in.ExcessWarnOnly), nil
	}, wait.WithContext(ctx), wait.WithTimeout(time.Minute), wait.WithInterval(time.Second), wait.WithImmediate())
	if err == nil && len(excess) > 0 {
		in.Log("preflight: WARNING: the runner %s holds permissions it must not (a validator holds no keys); the run goes on (INPOD_PREFLIGHT=warn) and the runner's own specs report them:\n  %s",
			RunnerUser, strings.Join(excess, "\n  "))
		return nil
	}
	if err == nil {
		in.Log("preflight: the caller and the runner %s hold every permission the suites need (%d checked) and none of the %d it must not hold",
			RunnerUser, len(want), len(Forbidden))
		return nil
	}
	switch {
	case len(missing) > 0:
		return fmt.Errorf("preflight: the runner's permissions are short of what the suites need:\n  %s", strings.Join(missing, "\n  "))
	case len(excess) > 0:
		return fmt.Errorf("preflight: the runner holds permissions it must not (a validator holds no keys):\n  %s", strings.Join(excess, "\n  "))
	}
	return fmt.Errorf("preflight: could not check the runner's permissions: %w", err)
}

// apply checks that the caller may create what manifests/job holds, creates
// all of it but the Job, and checks the runner's permissions.
func (a *applied) apply(ctx context.Context) error {
	cs := a.in.Proxy.Clientset()
	var missing []string
	for _, p := range callerNeeds {
		ok, err := rbac.CanI(ctx, cs, p)
		if err != nil {
			return err
		}
		if !ok {
			missing = append(missing, "you may not "+p.String())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("preflight: %s", strings.Join(missing, "; "))
	}
	objs, err := Objects(a.in)
	if err != nil {
		return err
	}
	res := a.in.Proxy.Client().Resources()
	for _, o := range objs {
		if j, ok := o.(*batchv1.Job); ok {
			a.job = j
			continue
		}
		if ns, ok := o.(*corev1.Namespace); ok {
			if err := a.awaitGone(ctx, ns.Name); err != nil {
				return err
			}
		}
		if err := res.Create(ctx, o); err != nil {
			return fmt.Errorf("apply %T %s: %w", o, o.GetName(), err)
		}
		a.created = append(a.created, o)
	}
	return checkRunner(ctx, a.in)
}

// awaitGone waits, bounded, for namespace name of an earlier run to finish
// deleting: creating it again meanwhile is refused ("object is being deleted").
func (a *applied) awaitGone(ctx context.Context, name string) error {
	ns, err := a.in.Proxy.Clientset().CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) || (err == nil && ns.DeletionTimestamp == nil) {
		return nil // absent, or there and kept: Create says which
	}
	a.in.Log("apply: namespace %s of an earlier run is still being deleted; waiting for it", name)
	err = wait.For(func(ctx context.Context) (bool, error) {
		_, err := a.in.Proxy.Clientset().CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}, wait.WithContext(ctx), wait.WithTimeout(3*time.Minute), wait.WithInterval(time.Second))
	if err != nil {
		return fmt.Errorf("apply: namespace %s of an earlier run was still being deleted after 3 minutes (kubectl get namespace %s -o yaml: its finalizers and conditions say what holds it)", name, name)
	}
	return nil
}
