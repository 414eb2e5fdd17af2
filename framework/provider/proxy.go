// Package provider hides how the run's cluster was obtained — a kind cluster this
// framework created or reused, a kubeconfig, or the pod the suite runs in — behind
// one Proxy, in the manner of cluster-api's ClusterProxy.
package provider

import (
	"context"
	"fmt"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/e2e-framework/klient"
)

// Proxy is the run's handle on its cluster.
type Proxy interface {
	// Name is a short description, e.g. "kind cluster inpod".
	Name() string
	// KubeconfigPath is the kubeconfig for tools such as kubectl, as a KUBECONFIG
	// value (a file, or a list of files kubectl merges); "" in-cluster.
	KubeconfigPath() string
	RESTConfig() *rest.Config
	Client() klient.Client
	Clientset() kubernetes.Interface
	// ExportLogs writes what explains a failure (node logs for kind) under dir.
	ExportLogs(ctx context.Context, dir string) error
	// Dispose releases the cluster: deletes a kind cluster unless it is to be kept.
	Dispose(ctx context.Context) error
}

type base struct {
	name       string
	kubeconfig string
	rest       *rest.Config
	client     klient.Client
	clientset  kubernetes.Interface
}

func (b *base) Name() string                    { return b.name }
func (b *base) KubeconfigPath() string          { return b.kubeconfig }
func (b *base) RESTConfig() *rest.Config        { return b.rest }
func (b *base) Client() klient.Client           { return b.client }
func (b *base) Clientset() kubernetes.Interface { return b.clientset }

// newBase builds the clients for cfg and proves the API answers within timeout, so a
// bad kubeconfig or an unreachable server is one line, not a hang.
func newBase(ctx context.Context, name, kubeconfig string, cfg *rest.Config, timeout time.Duration) (*base, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.QPS, cfg.Burst = 50, 100
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := ping(ctx, cs, timeout); err != nil {
		return nil, fmt.Errorf("%s: the API server at %s does not answer: %w", name, cfg.Host, err)
	}
	kc, err := klient.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &base{name: name, kubeconfig: kubeconfig, rest: cfg, client: kc, clientset: cs}, nil
}

func ping(ctx context.Context, cs kubernetes.Interface, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	_, err := cs.Discovery().RESTClient().Get().AbsPath("/version").Do(ctx).Raw()
	if ctx.Err() != nil {
		return fmt.Errorf("no answer within %s", timeout)
	}
	return err
}
