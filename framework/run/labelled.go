package run

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ManagedSelector selects every object any inpod run labelled. It is the one
// selector the suite's cleanup, its start-of-run sweep, `inpodctl cleanup`,
// `inpodctl leftovers` and the scripts (through inpodctl) use.
const ManagedSelector = LabelManagedBy + "=inpod"

// RunSelector selects the objects of one run.
func RunSelector(id string) string { return ManagedSelector + "," + LabelRun + "=" + id }

// Labelled is one object, outside any namespace the run keeps, that carries
// inpod's label: a Namespace, ClusterRole or ClusterRoleBinding.
type Labelled struct {
	Kind    string // Namespace, ClusterRole, ClusterRoleBinding
	Name    string
	RunID   string // its inpod.io/run label
	Created time.Time
	// Terminating: deletion has been asked for and is in progress.
	Terminating bool
}

// String names the object the way `kubectl get -o name` does.
func (l Labelled) String() string {
	switch l.Kind {
	case "ClusterRole":
		return "clusterrole.rbac.authorization.k8s.io/" + l.Name
	case "ClusterRoleBinding":
		return "clusterrolebinding.rbac.authorization.k8s.io/" + l.Name
	}
	return "namespace/" + l.Name
}

// deleteOrder: bindings first, so that no account holds a role for a moment
// after its role is gone; namespaces last.
var deleteOrder = map[string]int{"ClusterRoleBinding": 0, "ClusterRole": 1, "Namespace": 2}

// ListLabelled lists the Namespaces, ClusterRoles and ClusterRoleBindings that
// selector matches, in deletion order.
func ListLabelled(ctx context.Context, cs kubernetes.Interface, selector string) ([]Labelled, error) {
	opts := metav1.ListOptions{LabelSelector: selector}
	var out []Labelled
	add := func(kind string, m metav1.ObjectMeta) {
		out = append(out, Labelled{Kind: kind, Name: m.Name, RunID: m.Labels[LabelRun], Created: m.CreationTimestamp.Time, Terminating: m.DeletionTimestamp != nil})
	}
	crbs, err := cs.RbacV1().ClusterRoleBindings().List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list ClusterRoleBindings %s: %w", selector, err)
	}
	for _, o := range crbs.Items {
		add("ClusterRoleBinding", o.ObjectMeta)
	}
	crs, err := cs.RbacV1().ClusterRoles().List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list ClusterRoles %s: %w", selector, err)
	}
	for _, o := range crs.Items {
		add("ClusterRole", o.ObjectMeta)
	}
	nss, err := cs.CoreV1().Namespaces().List(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("list Namespaces %s: %w", selector, err)
	}
	for _, o := range nss.Items {
		add("Namespace", o.ObjectMeta)
	}
	sortLabelled(out)
	return out, nil
}

func sortLabelled(objs []Labelled) {
	sort.SliceStable(objs, func(i, j int) bool { return deleteOrder[objs[i].Kind] < deleteOrder[objs[j].Kind] })
}

// DeleteLabelled deletes objs (in deletion order); one already gone is fine.
// It does not wait for namespaces to finish terminating.
func DeleteLabelled(ctx context.Context, cs kubernetes.Interface, objs []Labelled) error {
	objs = append([]Labelled(nil), objs...)
	sortLabelled(objs)
	var errs []error
	for _, o := range objs {
		var err error
		switch o.Kind {
		case "ClusterRoleBinding":
			err = cs.RbacV1().ClusterRoleBindings().Delete(ctx, o.Name, metav1.DeleteOptions{})
		case "ClusterRole":
			err = cs.RbacV1().ClusterRoles().Delete(ctx, o.Name, metav1.DeleteOptions{})
		case "Namespace":
			err = cs.CoreV1().Namespaces().Delete(ctx, o.Name, metav1.DeleteOptions{})
		default:
			err = fmt.Errorf("unknown kind %q", o.Kind)
		}
		if err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("delete %s: %w", o, err))
		}
	}
	return errors.Join(errs...)
}

// CleanupLabelled deletes everything selector matches and returns what it asked
// to delete.
func CleanupLabelled(ctx context.Context, cs kubernetes.Interface, selector string) ([]Labelled, error) {
	objs, err := ListLabelled(ctx, cs, selector)
	if err != nil {
		return nil, err
	}
	return objs, DeleteLabelled(ctx, cs, objs)
}

// Stale picks, from objs, those of runs other than current created before
// now − ttl: what a run killed before its cleanup left behind. A run still going
// on is younger than ttl, so it is left alone.
func Stale(objs []Labelled, current string, now time.Time, ttl time.Duration) []Labelled {
	var out []Labelled
	for _, o := range objs {
		if o.RunID != current && !o.Terminating && now.Sub(o.Created) > ttl {
			out = append(out, o)
		}
	}
	return out
}

// Sweep deletes the labelled objects of earlier runs older than ttl and returns
// them. In provided namespaces (the Job) the runner may not list cluster-wide,
// and whoever applied manifests/job cleans up with `inpodctl cleanup`: it
// sweeps nothing and says so.
func (r *Run) Sweep(ctx context.Context, ttl time.Duration) ([]Labelled, string, error) {
	if r.Provided() {
		return nil, "sweep: skipped in provided namespaces (the runner may not list cluster-wide; `inpodctl cleanup` as the administrator removes killed runs' objects)", nil
	}
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	objs, err := ListLabelled(cctx, r.Proxy.Clientset(), ManagedSelector)
	if err != nil {
		return nil, "", fmt.Errorf("sweep: %w", err)
	}
	stale := Stale(objs, r.ID, time.Now(), ttl)
	if len(stale) == 0 {
		return nil, fmt.Sprintf("sweep: no object of an earlier run is older than %s", ttl), nil
	}
	if err := DeleteLabelled(cctx, r.Proxy.Clientset(), stale); err != nil {
		return stale, "", fmt.Errorf("sweep: %w", err)
	}
	return stale, fmt.Sprintf("sweep: deleted %d object(s) of earlier runs older than %s: %v", len(stale), ttl, stale), nil
}

// Cleanup deletes every object carrying this run's label that lives outside its
// namespaces (ClusterRoles, ClusterRoleBindings), then the namespaces themselves.
// It never touches an object without the label. With provided namespaces it
// clears them of the run's objects and leaves them in place.
func (r *Run) Cleanup(ctx context.Context) error {
	if r.Provided() {
		return r.cleanupProvided(ctx)
	}
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	_, err := CleanupLabelled(cctx, r.Proxy.Clientset(), RunSelector(r.ID))
	return err
}
