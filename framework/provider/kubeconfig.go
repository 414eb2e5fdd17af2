package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// kept is a cluster the run did not create: nothing to delete, no node logs.
type kept struct{ *base }

func (kept) ExportLogs(context.Context, string) error { return nil }
func (kept) Dispose(context.Context) error            { return nil }

// FromKubeconfig uses an existing cluster through kubeconfig files, found the way
// kubectl finds them (clientcmd's default loading rules): kubeconfig is a
// KUBECONFIG-style list whose files are merged, the first naming a value winning;
// "" means $KUBECONFIG, else ~/.kube/config. kubeContext "" is the merged
// config's current context.
func FromKubeconfig(ctx context.Context, kubeconfig, kubeContext string, timeout time.Duration) (Proxy, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	if kubeconfig != "" {
		rules.Precedence = filepath.SplitList(kubeconfig)
	}
	files := rules.GetLoadingPrecedence()
	path := strings.Join(files, string(filepath.ListSeparator))
	if !anyExists(files) {
		return nil, fmt.Errorf("kubeconfig %s does not exist (set KUBECONFIG or -inpod.kubeconfig)", path)
	}
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

func anyExists(files []string) bool {
	for _, f := range files {
		if _, err := os.Stat(f); err == nil {
			return true
		}
	}
	return false
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
