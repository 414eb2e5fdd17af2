// Package guide loads the guide's YAML (manifests/guide) and adapts a run's copy:
// the run's namespaces, suffixed names for cluster-scoped objects, the run's
// labels, the method's probe image and what Pod Security "restricted" requires.
// Nothing else in the guide's objects changes (manifests/guide/README.md).
package guide

import (
	"context"
	"fmt"
	"io/fs"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/e2e-framework/klient/decoder"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/run"
	"github.com/inpod/inpod/manifests"
)

// files is manifests/guide.
var files = func() fs.FS {
	sub, err := fs.Sub(manifests.FS, "guide")
	if err != nil {
		panic(err)
	}
	return sub
}()

// Load decodes one file of manifests/guide, e.g. "serviceaccount-rbac.yaml",
// with e2e-framework's decoder; opts (Adapt, PlaceIn) change each object as it
// is decoded.
func Load(file string, opts ...decoder.DecodeOption) ([]k8s.Object, error) {
	if _, err := fs.Stat(files, file); err != nil {
		return nil, fmt.Errorf("guide manifest %s: %w", file, err)
	}
	objs, err := decoder.DecodeAllFiles(context.Background(), files, file, opts...)
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

// Adapt is how Load makes r's copy as in says: PlaceIn, the run's labels, and
// for pods the method's image, what Pod Security "restricted" requires and
// the run's requests and limits (pods.Prepare).
func Adapt(r *run.Run, in AdaptInput) []decoder.DecodeOption {
	return []decoder.DecodeOption{PlaceIn(in.Namespace), decoder.MutateLabels(r.Labels()),
		decoder.MutateOption(func(o k8s.Object) error {
			if p, ok := o.(*corev1.Pod); ok {
				adaptPod(r, p, in.Image)
			}
			return nil
		})}
}

func adaptPod(r *run.Run, p *corev1.Pod, image string) {
	for i := range p.Spec.Containers {
		if image != "" {
			p.Spec.Containers[i].Image = image
		}
		if len(p.Spec.Containers[i].Command) == 0 {
			p.Spec.Containers[i].Command = []string{"sleep", "3600"}
		}
	}
	pods.Prepare(r, &p.Spec)
}

// PlaceIn puts each guide object into namespace ns as Load decodes it:
// namespaced objects and ServiceAccount subjects go there, cluster-scoped names
// get ns as suffix.
func PlaceIn(ns string) decoder.DecodeOption {
	return decoder.MutateOption(func(o k8s.Object) error {
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
		return nil
	})
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
	objs, err := Load(file, Adapt(r, in)...)
	if err != nil {
		return nil, err
	}
	return objs, Apply(ctx, r, objs)
}

// Objects are one guide file as the run deploys it: adapted (Adapt) and, in a
// self-check, with the run's injected faults applied (Run.ObjectFaults). Load
// is the file as written.
func Objects(r *run.Run, file string, in AdaptInput) ([]k8s.Object, error) {
	objs, err := Load(file, Adapt(r, in)...)
	if err != nil || r.ObjectFaults == nil {
		return objs, err
	}
	return r.ObjectFaults(file, objs), nil
}

// Pod returns the one Pod of a guide file as the run deploys it (Objects), not yet created.
func Pod(r *run.Run, file string, in AdaptInput) (*corev1.Pod, error) {
	objs, err := Objects(r, file, in)
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		if p, ok := o.(*corev1.Pod); ok {
			return p, nil
		}
	}
	return nil, fmt.Errorf("guide manifest %s has no Pod", file)
}
