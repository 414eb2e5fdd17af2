// Package clusterinfo finds out, from what the API shows, how the cluster under
// test is configured where the guide's promises depend on it: the API server's
// token flags, the Pod Security level a namespace gets by default, the nodes.
package clusterinfo

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Facts are the profile of the cluster, each with where it was read.
type Facts struct {
	Nodes       int
	ReadyNodes  int
	APIServer   APIServerFlags
	PodSecurity PodSecurityDefault
}

// Detect reads the facts; a fact it cannot read says why instead of guessing.
func Detect(ctx context.Context, cs kubernetes.Interface) Facts {
	f := Facts{APIServer: ReadAPIServerFlags(ctx, cs), PodSecurity: DetectPodSecurity(ctx, cs)}
	if nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{}); err == nil {
		f.Nodes = len(nodes.Items)
		for _, n := range nodes.Items {
			if nodeReady(n) {
				f.ReadyNodes++
			}
		}
	}
	return f
}

func nodeReady(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Lines are the facts for a report header, one "name: value (source)" each.
func (f Facts) Lines() [][2]string {
	tok := "unknown: " + f.APIServer.Source
	if exp, err := f.APIServer.MountedToken(); err == nil {
		tok = exp.String()
	}
	return [][2]string{
		{"nodes", fmt.Sprintf("%d (%d Ready)", f.Nodes, f.ReadyNodes)},
		{"API server flags", f.APIServer.Source},
		{"token expiry extension", f.APIServer.describe(flagExtendExpiration, "true (default)")},
		{"max token expiration", f.APIServer.describe(flagMaxExpiration, "none (default)")},
		{"mounted token (expected)", tok},
		{"Pod Security by default", f.PodSecurity.String()},
	}
}

// String is the facts on one line, for logs.
func (f Facts) String() string {
	var parts []string
	for _, l := range f.Lines() {
		parts = append(parts, l[0]+": "+l[1])
	}
	return strings.Join(parts, "; ")
}
