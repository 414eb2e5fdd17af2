package cluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// kept is a cluster the run did not create: nothing to delete, no node logs.
type kept struct{ *base }

func (kept) ExportLogs(context.Context, string) error { return nil }
func (kept) Dispose(context.Context) error            { return nil }

// FromKubeconfig uses an existing cluster through a kubeconfig file and context.
func FromKubeconfig(ctx context.Context, path, kubeContext string, timeout time.Duration) (Proxy, error) {
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("kubeconfig %s does not exist (set KUBECONFIG or -inpod.kubeconfig)", path)
	}
	rules := &clientcmd.ClientConfigLoadingRules{ExplicitPath: path}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: kubeContext}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	if kubeContext != "" {
		if _, ok := raw.Contexts[kubeContext]; !ok {
			return nil, fmt.Errorf("kubeconfig %s has no context %q", path, kubeContext)
		}
	}
	rc, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig %s: %w", path, err)
	}
	name := "kubeconfig " + path
	if kubeContext != "" {
		name += " context " + kubeContext
	}
	b, err := newBase(ctx, name, path, rc, timeout)
	if err != nil {
		return nil, err
	}
	return kept{b}, nil
}

// InCluster uses the ServiceAccount of the pod the suite runs in.
func InCluster(ctx context.Context, timeout time.Duration) (Proxy, error) {
	rc, err := rest.InClusterConfig()
	if err != nil {
		return nil, fmt.Errorf("in-cluster: %w", err)
	}
	b, err := newBase(ctx, "in-cluster", "", rc, timeout)
	if err != nil {
		return nil, err
	}
	return kept{b}, nil
}
