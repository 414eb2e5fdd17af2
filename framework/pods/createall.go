package pods

import (
	"context"
	"errors"
	"sync"

	corev1 "k8s.io/api/core/v1"

	"github.com/inpod/inpod/framework/run"
)

// CreateAll creates the pods at once and waits until each is Ready (Create, in
// parallel); the error joins every pod's failure.
func CreateAll(ctx context.Context, r *run.Run, list ...*corev1.Pod) error {
	errs := make([]error, len(list))
	var wg sync.WaitGroup
	for i, p := range list {
		wg.Go(func() { _, errs[i] = Create(ctx, r, p) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
