// Package clusterinfo finds out, from what the API shows, how the cluster under
// test is configured where the guide's promises depend on it: the API server's
// token flags, the Pod Security level a namespace gets by default, the nodes and
// which of them take pods, the NetworkPolicy engine. Facts is the one type; the
// run reads it once (run.Setup) and every spec reads it from there.
package clusterinfo

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/inpod/inpod/framework/lines"
)

// Facts are the profile of the cluster, each with where it was read.
type Facts struct {
	Nodes       int
	ReadyNodes  int
	Schedulable []string // Ready nodes without a NoSchedule or NoExecute taint
	// NodesErr is why the nodes could not be listed (the Job's runner may not):
	// then the node counts are unknown, not zero.
	NodesErr string
	// Kubelets is each node's kubelet, HOST:PORT (its InternalIP and the
	// port its status gives), for the requests a kubelet authorizes.
	Kubelets map[string]string
	// NetworkEngine is the DaemonSet in kube-system named like one of Engines,
	// "" when none is; EngineErr why DaemonSets could not be listed.
	NetworkEngine, EngineErr string
	APIServer                APIServerFlags
	PodSecurity              PodSecurityDefault
}

// Engines are the names of DaemonSets in kube-system whose presence says the
// cluster runs a NetworkPolicy engine.
var Engines = []string{"kube-router", "kindnet", "kube-network-policies", "calico-node", "cilium", "antrea-agent", "weave-net", "canal"}

// Detect reads the facts; a fact it cannot read says why instead of guessing.
func Detect(ctx context.Context, cs kubernetes.Interface) Facts {
	f := Facts{APIServer: ReadAPIServerFlags(ctx, cs), PodSecurity: DetectPodSecurity(ctx, cs)}
	if nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err != nil {
		f.NodesErr = "list nodes: " + lines.First(err.Error())
	} else {
		f.Nodes = len(nodes.Items)
		f.Kubelets = map[string]string{}
		for i := range nodes.Items {
			if addr := kubeletAddress(&nodes.Items[i]); addr != "" {
				f.Kubelets[nodes.Items[i].Name] = addr
			}
			if nodeReady(nodes.Items[i]) {
				f.ReadyNodes++
			}
			if takesPods(&nodes.Items[i]) {
				f.Schedulable = append(f.Schedulable, nodes.Items[i].Name)
			}
		}
	}
	if dss, err := cs.AppsV1().DaemonSets("kube-system").List(ctx, metav1.ListOptions{}); err != nil {
		f.EngineErr = "list DaemonSets in kube-system: " + lines.First(err.Error())
	} else {
		for _, ds := range dss.Items {
			if slices.Contains(Engines, ds.Name) {
				f.NetworkEngine = ds.Name
			}
		}
	}
	return f
}

// kubeletAddress is the node's kubelet, HOST:PORT: its InternalIP (else its
// first address) and the kubelet port its status gives; "" when it has none.
func kubeletAddress(n *corev1.Node) string {
	port := n.Status.DaemonEndpoints.KubeletEndpoint.Port
	if port == 0 || len(n.Status.Addresses) == 0 {
		return ""
	}
	host := n.Status.Addresses[0].Address
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			host = a.Address
			break
		}
	}
	return net.JoinHostPort(host, strconv.Itoa(int(port)))
}

func nodeReady(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
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
	return nodeReady(*n)
}

// NodesLine is the nodes as a report says them.
func (f Facts) NodesLine() string {
	if f.NodesErr != "" {
		return "not readable: " + f.NodesErr
	}
	return fmt.Sprintf("%d (%d Ready, %d take pods: %s)", f.Nodes, f.ReadyNodes, len(f.Schedulable), strings.Join(f.Schedulable, ", "))
}

// EngineLine is the NetworkPolicy engine as a report says it.
func (f Facts) EngineLine() string {
	switch {
	case f.EngineErr != "":
		return "not readable: " + f.EngineErr
	case f.NetworkEngine == "":
		return "none found (looked for DaemonSets " + strings.Join(Engines, ", ") + " in kube-system)"
	}
	return f.NetworkEngine + " (a DaemonSet of that name in kube-system)"
}

// Lines are the facts for a report header, one "name: value (source)" each.
func (f Facts) Lines() [][2]string {
	tok := ""
	if exp, err := f.APIServer.MountedToken(); err == nil {
		tok = exp.String()
	} else {
		tok = "not computable: " + err.Error()
	}
	out := [][2]string{
		{"nodes", f.NodesLine()},
		{"NetworkPolicy engine", f.EngineLine()},
		{"API server flags", f.APIServer.Source},
		{"token expiry extension", f.APIServer.describe(flagExtendExpiration, "true")},
		{"max token expiration", f.APIServer.describe(flagMaxExpiration, "none")},
	}
	if _, ok := f.APIServer.Args[flagSigningEndpoint]; ok {
		out = append(out, [2]string{"token signer", f.APIServer.describe(flagSigningEndpoint, "")})
	}
	return append(out,
		[2]string{"mounted token (computed from the flags above)", tok},
		[2]string{"Pod Security by default", f.PodSecurity.String()})
}

// String is the facts on one line, for logs.
func (f Facts) String() string {
	var parts []string
	for _, l := range f.Lines() {
		parts = append(parts, l[0]+": "+l[1])
	}
	return strings.Join(parts, "; ")
}
