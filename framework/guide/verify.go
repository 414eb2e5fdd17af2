package guide

import (
	"context"
	"fmt"
	"reflect"

	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/run"
)

// Verify checks that the guide's objects of file, placed in ns, exist as the
// guide writes them: objects an administrator created for the run (the
// in-cluster Job's manifests/job), which the run uses but does not create.
func Verify(ctx context.Context, r *run.Run, file, ns string) error {
	objs, err := Load(file, PlaceIn(ns))
	if err != nil {
		return err
	}
	return VerifyObjects(ctx, r, objs)
}

// VerifyObjects checks that each of want exists with its rules, roleRef and
// subjects.
func VerifyObjects(ctx context.Context, r *run.Run, want []k8s.Object) error {
	res := r.Proxy.Client().Resources()
	for _, w := range want {
		live, ok := reflect.New(reflect.TypeOf(w).Elem()).Interface().(k8s.Object)
		if !ok {
			return fmt.Errorf("%T is not an API object", w)
		}
		cctx, cancel := r.Ctx(ctx)
		err := res.Get(cctx, w.GetName(), w.GetNamespace(), live)
		cancel()
		if err != nil {
			return fmt.Errorf("the administrator's %T %s/%s (manifests/job): %w", w, w.GetNamespace(), w.GetName(), err)
		}
		if diff := differs(w, live); diff != "" {
			return fmt.Errorf("the administrator's %T %s/%s differs from the guide: %s", w, w.GetNamespace(), w.GetName(), diff)
		}
	}
	return nil
}

func differs(want, live k8s.Object) string {
	switch w := want.(type) {
	case *rbacv1.Role:
		if l := live.(*rbacv1.Role); !reflect.DeepEqual(w.Rules, l.Rules) {
			return fmt.Sprintf("rules %v, want %v", l.Rules, w.Rules)
		}
	case *rbacv1.ClusterRole:
		if l := live.(*rbacv1.ClusterRole); !reflect.DeepEqual(w.Rules, l.Rules) {
			return fmt.Sprintf("rules %v, want %v", l.Rules, w.Rules)
		}
	case *rbacv1.RoleBinding:
		if l := live.(*rbacv1.RoleBinding); !reflect.DeepEqual(w.RoleRef, l.RoleRef) || !reflect.DeepEqual(w.Subjects, l.Subjects) {
			return fmt.Sprintf("roleRef %v subjects %v, want %v %v", l.RoleRef, l.Subjects, w.RoleRef, w.Subjects)
		}
	case *rbacv1.ClusterRoleBinding:
		if l := live.(*rbacv1.ClusterRoleBinding); !reflect.DeepEqual(w.RoleRef, l.RoleRef) || !reflect.DeepEqual(w.Subjects, l.Subjects) {
			return fmt.Sprintf("roleRef %v subjects %v, want %v %v", l.RoleRef, l.Subjects, w.RoleRef, w.Subjects)
		}
	}
	return ""
}
