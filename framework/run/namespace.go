package run

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/klient/k8s"
	"sigs.k8s.io/e2e-framework/klient/wait"
	"sigs.k8s.io/e2e-framework/klient/wait/conditions"
)

// CreateNamespaceInput names a namespace to create for the run.
type CreateNamespaceInput struct {
	// Purpose becomes part of the generated name, e.g. "methods".
	Purpose string
}

// CreateNamespace makes a namespace with a generated name, the run's labels, and Pod
// Security "restricted" enforced, so specs also hold on hardened clusters. It waits
// until the namespace's default ServiceAccount exists (pods cannot be created before).
func (r *Run) CreateNamespace(ctx context.Context, in CreateNamespaceInput) (string, error) {
	labels := r.Labels()
	labels["pod-security.kubernetes.io/enforce"] = "restricted"
	labels["pod-security.kubernetes.io/warn"] = "restricted"
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "inpod-" + in.Purpose + "-", Labels: labels}}
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	created, err := r.Proxy.Clientset().CoreV1().Namespaces().Create(cctx, ns, metav1.CreateOptions{})
	if err != nil {
		return "", fmt.Errorf("create namespace for %s: %w", in.Purpose, err)
	}
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: created.Name}}
	res := r.Proxy.Client().Resources()
	err = wait.For(conditions.New(res).ResourceMatch(sa, func(k8s.Object) bool { return true }),
		wait.WithContext(ctx), wait.WithTimeout(r.Config.APITimeout), wait.WithInterval(200*time.Millisecond), wait.WithImmediate())
	if err != nil {
		return created.Name, fmt.Errorf("namespace %s: its default ServiceAccount did not appear within %s", created.Name, r.Config.APITimeout)
	}
	return created.Name, nil
}

// DeleteNamespace deletes ns and does not wait; deletion of a run's namespaces
// proceeds in the background while other specs go on.
func (r *Run) DeleteNamespace(ctx context.Context, ns string) error {
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	err := r.Proxy.Clientset().CoreV1().Namespaces().Delete(cctx, ns, metav1.DeleteOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
