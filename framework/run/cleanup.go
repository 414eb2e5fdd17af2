package run

import (
	"context"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Cleanup deletes every object carrying this run's label that lives outside its
// namespaces (ClusterRoles, ClusterRoleBindings), then the namespaces themselves.
// It never touches an object without the label. With provided namespaces it
// clears them of the run's objects and leaves them in place.
func (r *Run) Cleanup(ctx context.Context) error {
	if r.Provided() {
		return r.cleanupProvided(ctx)
	}
	cs := r.Proxy.Clientset()
	sel := metav1.ListOptions{LabelSelector: r.Selector()}
	var errs []error
	del := func(kind, name string, err error) {
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete %s %s: %w", kind, name, err))
		}
	}
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	if crbs, err := cs.RbacV1().ClusterRoleBindings().List(cctx, sel); err == nil {
		for _, o := range crbs.Items {
			del("ClusterRoleBinding", o.Name, cs.RbacV1().ClusterRoleBindings().Delete(cctx, o.Name, metav1.DeleteOptions{}))
		}
	} else {
		errs = append(errs, err)
	}
	if crs, err := cs.RbacV1().ClusterRoles().List(cctx, sel); err == nil {
		for _, o := range crs.Items {
			del("ClusterRole", o.Name, cs.RbacV1().ClusterRoles().Delete(cctx, o.Name, metav1.DeleteOptions{}))
		}
	} else {
		errs = append(errs, err)
	}
	if nss, err := cs.CoreV1().Namespaces().List(cctx, sel); err == nil {
		for _, o := range nss.Items {
			del("Namespace", o.Name, cs.CoreV1().Namespaces().Delete(cctx, o.Name, metav1.DeleteOptions{}))
		}
	} else {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
