package guide

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/run"
)

// BindRole gives a Role the guide leaves unbound (namespace-reader,
// deployment-manager, my-config-reader) a holder: Holder's objects, labelled for
// the run.
func BindRole(ctx context.Context, r *run.Run, ns, role string) error {
	objs := Holder(ns, role)
	for _, o := range objs {
		o.SetLabels(r.Labels())
	}
	return Apply(ctx, r, objs)
}

// Holder is a ServiceAccount named like the Role and a RoleBinding
// "<role>-binding" that binds it, both in ns.
func Holder(ns, role string) []k8s.Object {
	meta := func(name string) metav1.ObjectMeta { return metav1.ObjectMeta{Name: name, Namespace: ns} }
	return []k8s.Object{
		&corev1.ServiceAccount{ObjectMeta: meta(role)},
		&rbacv1.RoleBinding{
			ObjectMeta: meta(role + "-binding"),
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: role, Namespace: ns}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
		},
	}
}
