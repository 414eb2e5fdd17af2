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
// deployment-manager) a holder: a ServiceAccount named like the Role and a
// RoleBinding "<role>-binding", both in ns and labelled for the run.
func BindRole(ctx context.Context, r *run.Run, ns, role string) error {
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: ns, Labels: r.Labels()}
	}
	return Apply(ctx, r, []k8s.Object{
		&corev1.ServiceAccount{ObjectMeta: meta(role)},
		&rbacv1.RoleBinding{
			ObjectMeta: meta(role + "-binding"),
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: role, Namespace: ns}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: role},
		},
	})
}
