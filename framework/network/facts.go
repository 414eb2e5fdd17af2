// Package network answers the questions the NetworkPolicy specs ask of a cluster
// (how many nodes take pods, which policy engine runs) and of a pod (can it open a
// connection, and if not, how exactly did it fail), and builds the policies they
// apply.
package network

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Engines are the names of DaemonSets in kube-system whose presence says the
// cluster runs a NetworkPolicy engine.
var Engines = []string{"kube-router", "kindnet", "kube-network-policies", "calico-node", "cilium", "antrea-agent", "weave-net", "canal"}

// Facts is what the cluster shows about its network.
type Facts struct {
	Nodes       int
	Schedulable []string // Ready nodes without a NoSchedule or NoExecute taint
	Engine      string   // "" when no DaemonSet in kube-system is named like one of Engines
}

// Observe reads the nodes and kube-system's DaemonSets.
func Observe(ctx context.Context, cs kubernetes.Interface) (Facts, error) {
	var f Facts
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return f, fmt.Errorf("list nodes: %w", err)
	}
	f.Nodes = len(nodes.Items)
	for i := range nodes.Items {
		if takesPods(&nodes.Items[i]) {
			f.Schedulable = append(f.Schedulable, nodes.Items[i].Name)
		}
	}
	dss, err := cs.AppsV1().DaemonSets("kube-system").List(ctx, metav1.ListOptions{})
	if err != nil {
		return f, fmt.Errorf("list DaemonSets in kube-system: %w", err)
	}
	for _, ds := range dss.Items {
		for _, e := range Engines {
			if ds.Name == e {
				f.Engine = e
			}
		}
	}
	return f, nil
}

// String is one line for a report or a skip message.
func (f Facts) String() string {
	engine := f.Engine
	if engine == "" {
		engine = "none found (looked for DaemonSets " + strings.Join(Engines, ", ") + " in kube-system)"
	}
	return fmt.Sprintf("%d nodes, %d take pods (%s), NetworkPolicy engine: %s", f.Nodes, len(f.Schedulable), strings.Join(f.Schedulable, ", "), engine)
}

func takesPods(n *corev1.Node) bool {
	if n.Spec.Unschedulable {
		return false
	}
	for _, t := range n.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute {
			return false
		}
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
