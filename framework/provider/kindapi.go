package provider

import (
	"fmt"
	"slices"

	kindcluster "sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
)

// kindAPI drives one kind cluster in-process through kind's own library
// (sigs.k8s.io/kind/pkg/cluster, at go.mod's version): no kind binary is run.
type kindAPI struct {
	name     string
	provider *kindcluster.Provider
	log      func(string, ...any)
}

func newKindAPI(name string, log func(string, ...any)) kindAPI {
	p := kindcluster.NewProvider(kindcluster.ProviderWithDocker(), kindcluster.ProviderWithLogger(kindLogger{log}))
	return kindAPI{name: name, provider: p, log: log}
}

// exists tells whether kind knows a cluster of this name (it has nodes).
func (k kindAPI) exists() (bool, error) {
	names, err := k.provider.List()
	if err != nil {
		return false, fmt.Errorf("list kind clusters: %w", err)
	}
	return slices.Contains(names, k.name), nil
}

// create makes the cluster from config and nodeImage, keeping its nodes when
// creation fails (the caller reads their journal, then deletes them), and merges
// its kubeconfig into kubeconfig.
func (k kindAPI) create(config, nodeImage, kubeconfig string) error {
	return k.provider.Create(k.name,
		kindcluster.CreateWithConfigFile(config),
		kindcluster.CreateWithNodeImage(nodeImage),
		kindcluster.CreateWithRetain(true),
		kindcluster.CreateWithKubeconfigPath(kubeconfig),
		kindcluster.CreateWithDisplayUsage(false),
		kindcluster.CreateWithDisplaySalutation(false))
}

// delete removes the cluster's nodes and its entry in kubeconfig.
func (k kindAPI) delete(kubeconfig string) error {
	if err := k.provider.Delete(k.name, kubeconfig); err != nil {
		return fmt.Errorf("delete kind cluster %s: %w", k.name, err)
	}
	return nil
}

// kubeconfig is the cluster's kubeconfig as seen from the host.
func (k kindAPI) kubeconfig() (string, error) {
	kc, err := k.provider.KubeConfig(k.name, false)
	if err != nil {
		return "", fmt.Errorf("kubeconfig of kind cluster %s: %w", k.name, err)
	}
	return kc, nil
}

// collectLogs writes the nodes' journals, kubelet and containerd logs under dir.
func (k kindAPI) collectLogs(dir string) error {
	return k.provider.CollectLogs(k.name, dir)
}

// nodes are the cluster's Kubernetes nodes (no external load balancer).
func (k kindAPI) nodes() ([]nodes.Node, error) {
	all, err := k.provider.ListInternalNodes(k.name)
	if err != nil {
		return nil, fmt.Errorf("nodes of kind cluster %s: %w", k.name, err)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("kind cluster %s has no nodes", k.name)
	}
	return all, nil
}

// controlPlane is the node kubeadm initialised.
func (k kindAPI) controlPlane() (nodes.Node, error) {
	all, err := k.provider.ListNodes(k.name)
	if err != nil {
		return nil, err
	}
	return nodeutils.BootstrapControlPlaneNode(all)
}
