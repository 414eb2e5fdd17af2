// Package guide loads the guide's YAML (manifests/guide) and adapts a run's copy:
// the run's namespaces, suffixed names for cluster-scoped objects, the run's
// labels, the method's probe image and what Pod Security "restricted" requires.
// Nothing else in the guide's objects changes (manifests/guide/README.md).
package guide

import (
	"bytes"
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/e2e-framework/klient/decoder"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/run"
	"github.com/inpod/inpod/manifests"
)

// Load decodes one file of manifests/guide, e.g. "serviceaccount-rbac.yaml".
func Load(file string) ([]k8s.Object, error) {
	data, err := manifests.FS.ReadFile("guide/" + file)
	if err != nil {
		return nil, fmt.Errorf("guide manifest %s: %w", file, err)
	}
	objs, err := decoder.DecodeAll(context.Background(), bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("guide manifest %s: %w", file, err)
	}
	return objs, nil
}

// AdaptInput says where a run's copy goes.
type AdaptInput struct {
	// Namespace receives every namespaced object and every ServiceAccount subject.
	Namespace string
	// Image replaces each container's image (the guide's images may be unreachable).
	Image string
}

// Adapt rewrites objs in place for r and in: Place, the run's labels, and for
// pods the method's image and what Pod Security "restricted" requires.
func Adapt(r *run.Run, in AdaptInput, objs []k8s.Object) {
	Place(in.Namespace, objs)
	for _, o := range objs {
		labels := o.GetLabels()
		if labels == nil {
			labels = map[string]string{}
		}
		for k, v := range r.Labels() {
			labels[k] = v
		}
		o.SetLabels(labels)
		if obj, ok := o.(*corev1.Pod); ok {
			for i := range obj.Spec.Containers {
				if in.Image != "" {
					obj.Spec.Containers[i].Image = in.Image
				}
				if len(obj.Spec.Containers[i].Command) == 0 {
					obj.Spec.Containers[i].Command = []string{"sleep", "3600"}
				}
			}
			pods.Restricted(&obj.Spec)
		}
	}
}

// Place puts the guide's objects into namespace ns: namespaced objects and
// ServiceAccount subjects go there, cluster-scoped names get ns as suffix.
func Place(ns string, objs []k8s.Object) {
	for _, o := range objs {
		switch obj := o.(type) {
		case *rbacv1.ClusterRole:
			obj.Name = ClusterName(ns, obj.Name)
		case *rbacv1.ClusterRoleBinding:
			obj.Name = ClusterName(ns, obj.Name)
			obj.RoleRef.Name = ClusterName(ns, obj.RoleRef.Name)
			fixSubjects(obj.Subjects, ns)
		case *rbacv1.RoleBinding:
			obj.Namespace = ns
			fixSubjects(obj.Subjects, ns)
		default:
			o.SetNamespace(ns)
		}
	}
}

// ClusterName is the name of a cluster-scoped object the guide names, for the
// copy that serves namespace ns (itself generated, so unique to the run).
func ClusterName(ns, name string) string { return name + "-" + ns }

func fixSubjects(subjects []rbacv1.Subject, ns string) {
	for i := range subjects {
		if subjects[i].Kind == rbacv1.ServiceAccountKind {
			subjects[i].Namespace = ns
		}
	}
}

// Apply creates objs, in order.
func Apply(ctx context.Context, r *run.Run, objs []k8s.Object) error {
	res := r.Proxy.Client().Resources()
	for _, o := range objs {
		cctx, cancel := r.Ctx(ctx)
		err := res.Create(cctx, o)
		cancel()
		if err != nil {
			return fmt.Errorf("create %T %s/%s: %w", o, o.GetNamespace(), o.GetName(), err)
		}
	}
	return nil
}

// Deploy loads file, adapts it and applies it; it returns the created objects.
func Deploy(ctx context.Context, r *run.Run, file string, in AdaptInput) ([]k8s.Object, error) {
	objs, err := Load(file)
	if err != nil {
		return nil, err
	}
	Adapt(r, in, objs)
	return objs, Apply(ctx, r, objs)
}

// Pod returns the one Pod of a guide file, adapted, not yet created.
func Pod(r *run.Run, file string, in AdaptInput) (*corev1.Pod, error) {
	objs, err := Load(file)
	if err != nil {
		return nil, err
	}
	Adapt(r, in, objs)
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok {
			faults.MutatePod(r, file, p)
			return p, nil
		}
	}
	return nil, fmt.Errorf("guide manifest %s has no Pod", file)
}
