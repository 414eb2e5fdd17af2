package provider

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/inpod/inpod/framework/images"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/e2e-framework/klient/decoder"
	"sigs.k8s.io/e2e-framework/klient/k8s"
	"sigs.k8s.io/e2e-framework/klient/wait"
	"sigs.k8s.io/e2e-framework/klient/wait/conditions"
)

// AddonsFor finds the addons of the kind config file at path: the manifests a
// cluster made from it needs applied before its nodes can become Ready (a CNI,
// for one), in the folder beside it named like it without ".yaml". nil when
// there is no such folder.
func AddonsFor(path string) fs.FS {
	dir := strings.TrimSuffix(path, ".yaml")
	if st, err := os.Stat(dir); dir == path || err != nil || !st.IsDir() {
		return nil
	}
	return os.DirFS(dir)
}

// AddonImages lists the container images of the addons' DaemonSets and
// Deployments, sorted, once each.
func AddonImages(objs []k8s.Object) []string {
	seen := map[string]bool{}
	for _, o := range objs {
		var spec *corev1.PodSpec
		switch w := o.(type) {
		case *appsv1.DaemonSet:
			spec = &w.Spec.Template.Spec
		case *appsv1.Deployment:
			spec = &w.Spec.Template.Spec
		default:
			continue
		}
		for _, c := range append(append([]corev1.Container(nil), spec.InitContainers...), spec.Containers...) {
			seen[c.Image] = true
		}
	}
	refs := make([]string, 0, len(seen))
	for ref := range seen {
		refs = append(refs, ref)
	}
	sort.Strings(refs)
	return refs
}

// applyAddons applies every *.yaml of addons in name order: it loads the addons' images from the local Docker engine into every
// node (they are never pulled), creates the objects that do not exist yet, and
// waits, bounded by timeout, until every addon DaemonSet runs a ready pod on each
// node it wants.
func applyAddons(ctx context.Context, kc kindAPI, b *base, addons fs.FS, timeout time.Duration) error {
	objs, err := decoder.DecodeAllFiles(ctx, addons, "*.yaml")
	if err != nil {
		return fmt.Errorf("addons: %w", err)
	}
	for _, ref := range AddonImages(objs) {
		if !images.ImagePresent(ctx, ref) {
			return fmt.Errorf("addon image %s is not in the local Docker engine; build it with scripts/images/cni.sh (make images with the profile selected)", ref)
		}
	}
	if err := kc.loadImages(ctx, AddonImages(objs)...); err != nil {
		return fmt.Errorf("addon images: %w", err)
	}
	res := b.client.Resources()
	create := decoder.CreateIgnoreAlreadyExists(res)
	for _, o := range objs {
		if err := create(ctx, o); err != nil {
			return fmt.Errorf("addons: create %s %s/%s: %w", o.GetObjectKind().GroupVersionKind().Kind, o.GetNamespace(), o.GetName(), err)
		}
	}
	for _, o := range objs {
		ds, ok := o.(*appsv1.DaemonSet)
		if !ok {
			continue
		}
		var seen string
		rolledOut := func(obj k8s.Object) bool {
			d := obj.(*appsv1.DaemonSet)
			s := d.Status
			seen = fmt.Sprintf("%d of %d pods ready, %d updated", s.NumberReady, s.DesiredNumberScheduled, s.UpdatedNumberScheduled)
			return s.ObservedGeneration >= d.Generation && s.DesiredNumberScheduled > 0 &&
				s.NumberReady == s.DesiredNumberScheduled && s.UpdatedNumberScheduled == s.DesiredNumberScheduled
		}
		err := wait.For(conditions.New(res).ResourceMatch(ds, rolledOut),
			wait.WithContext(ctx), wait.WithTimeout(timeout), wait.WithInterval(time.Second), wait.WithImmediate())
		if err != nil {
			if seen == "" {
				seen = err.Error()
			}
			return fmt.Errorf("addon DaemonSet %s/%s not ready within %s: %s", ds.Namespace, ds.Name, timeout, seen)
		}
	}
	return nil
}
