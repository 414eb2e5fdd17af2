package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	e2ewait "sigs.k8s.io/e2e-framework/klient/wait"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/provider"
	"github.com/inpod/inpod/framework/run"
)

// errNoCluster: the kind cluster's kubeconfig is absent, so there is no cluster
// that could hold anything labelled.
var errNoCluster = errors.New("no cluster")

// connect reaches the run's cluster without creating it: the kind cluster's
// kubeconfig in the cache, or the configured kubeconfig, or in-cluster.
func connect(ctx context.Context, cfg *config.Config) (provider.Proxy, error) {
	switch cfg.Provider {
	case config.ProviderInCluster:
		return provider.InCluster(ctx, cfg.APITimeout)
	case config.ProviderKubeconfig:
		return provider.FromKubeconfig(ctx, cfg.Kubeconfig, cfg.Context, cfg.APITimeout)
	}
	path := filepath.Join(config.CacheDir(), "kind-"+cfg.ClusterName+".kubeconfig")
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: kind cluster %s has no kubeconfig at %s", errNoCluster, cfg.ClusterName, path)
	}
	return provider.FromKubeconfig(ctx, path, "", cfg.APITimeout)
}

// cleanupCommand is `inpodctl cleanup [--run-id ID] [--wait D]`: it deletes every
// Namespace, ClusterRole and ClusterRoleBinding labelled
// app.kubernetes.io/managed-by=inpod (of run ID only, with --run-id), then waits
// until they are gone. `inpodctl leftovers` lists them, one per line as kubectl
// -o name does.
func cleanupCommand() *cobra.Command {
	var id string
	var wait time.Duration
	c := withConfig("cleanup", "Delete what earlier (killed) runs labelled, and wait until it is gone", cobra.NoArgs,
		func(ctx context.Context, cfg *config.Config, _ []string) error { return cleanup(ctx, cfg, id, wait) })
	c.Flags().StringVar(&id, "run-id", "", "only the objects of this run (label "+run.LabelRun+")")
	c.Flags().DurationVar(&wait, "wait", 3*time.Minute, "how long to wait for deleted namespaces to be gone (0: do not wait)")
	return c
}

func cleanup(ctx context.Context, cfg *config.Config, id string, wait time.Duration) error {
	sel := run.ManagedSelector
	if id != "" {
		sel = run.RunSelector(id)
	}
	p, err := connect(ctx, cfg)
	if errors.Is(err, errNoCluster) {
		say("cleanup: nothing to do (%v)", err)
		return nil
	}
	if err != nil {
		return err
	}
	cs := p.Clientset()
	objs, err := run.CleanupLabelled(ctx, cs, sel)
	if err != nil {
		return fmt.Errorf("cleanup %s: %w", sel, err)
	}
	say("cleanup: deleting %d object(s) labelled %s", len(objs), sel)
	for _, o := range objs {
		say("cleanup:   %s (run %s, created %s)", o, o.RunID, o.Created.Format(time.RFC3339))
	}
	if wait == 0 || len(objs) == 0 {
		return nil
	}
	var left []run.Labelled
	err = e2ewait.For(func(ctx context.Context) (bool, error) {
		var lerr error
		left, lerr = run.ListLabelled(ctx, cs, sel)
		return lerr == nil && len(left) == 0, nil
	}, e2ewait.WithContext(ctx), e2ewait.WithTimeout(wait), e2ewait.WithInterval(2*time.Second), e2ewait.WithImmediate())
	if err != nil {
		return fmt.Errorf("cleanup: still there after %s: %v", wait, left)
	}
	say("cleanup: nothing labelled %s is left", sel)
	return nil
}

func leftovers(ctx context.Context, cfg *config.Config) error {
	p, err := connect(ctx, cfg)
	if errors.Is(err, errNoCluster) {
		return nil
	}
	if err != nil {
		return err
	}
	objs, err := run.ListLabelled(ctx, p.Clientset(), run.ManagedSelector)
	if err != nil {
		return err
	}
	for _, o := range objs {
		fmt.Println(o)
	}
	return nil
}
