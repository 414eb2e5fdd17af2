// Package run is one suite run: its configuration, its cluster, its images, and the
// label that marks every object it creates so that it can delete exactly those.
package run

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/inpod/inpod/framework/clusterinfo"
	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/images"
	"github.com/inpod/inpod/framework/provider"
	"sigs.k8s.io/e2e-framework/klient/k8s"
)

const (
	// LabelRun marks every object of a run, cluster-scoped ones included.
	LabelRun = "inpod.io/run"
	// LabelManagedBy says the object is inpod's.
	LabelManagedBy = "app.kubernetes.io/managed-by"
)

// Run is what every spec gets.
type Run struct {
	Config *config.Config
	Proxy  provider.Proxy
	Images images.Set
	ID     string
	// Facts is how the cluster is configured where the guide's promises depend on
	// it (token flags, Pod Security default, nodes), read once at setup.
	Facts clusterinfo.Facts
	// ObjectFaults, when set (the self-check: faults.Install), breaks the
	// objects of one guide file before they are deployed: guide.Objects and
	// guide.Pod, the one place a run's copy of the guide is made, apply it.
	ObjectFaults func(file string, objs []k8s.Object) []k8s.Object
	// execRefused, once set, says why the cluster's admission refuses exec
	// into pods: commands then run as pods' own commands (pods.ExecWithin).
	execRefused string
}

// execMu guards Run.execRefused, set by whichever container first meets the refusal.
var execMu sync.Mutex

// SetExecRefused records that exec into pods is refused, and why; the first
// reason stays.
func (r *Run) SetExecRefused(why string) {
	execMu.Lock()
	defer execMu.Unlock()
	if r.execRefused == "" {
		r.execRefused = why
	}
}

// ExecRefused says why exec into pods is refused on this cluster; "" when it is not.
func (r *Run) ExecRefused() string {
	execMu.Lock()
	defer execMu.Unlock()
	return r.execRefused
}

// Labels are the labels every object of this run carries.
func (r *Run) Labels() map[string]string {
	return map[string]string{LabelRun: r.ID, LabelManagedBy: "inpod"}
}

// Selector selects this run's objects.
func (r *Run) Selector() string { return LabelRun + "=" + r.ID }

// Name makes a generated name for an object of this run, DNS-1123 safe.
func (r *Run) Name(parts ...string) string {
	n := strings.ToLower(strings.Join(append([]string{"inpod"}, append(parts, r.ID)...), "-"))
	if len(n) > 63 {
		n = strings.TrimRight(n[:63], "-")
	}
	return n
}

// Ctx bounds one API call or exec by the configured API timeout.
func (r *Run) Ctx(parent context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, r.Config.APITimeout)
}

// Image is the image serving method (curl, python, go, kubectl).
func (r *Run) Image(method string) string {
	ref, ok := r.Images.Refs[method]
	if !ok {
		panic(fmt.Sprintf("no image for method %q", method))
	}
	return ref
}

// PodTimeout bounds a pod becoming ready.
func (r *Run) PodTimeout() time.Duration { return r.Config.PodStartTimeout }
