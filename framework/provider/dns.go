package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/e2e-framework/klient/wait"
)

// ClusterOnlyCorefile drops the `forward` block and the `loop` plugin from a
// Corefile. In an offline kind node the node's resolver is Docker's 127.0.0.11,
// which inside the CoreDNS pod is CoreDNS itself: forwarding there is a loop that
// the loop plugin turns into a crash. The suite only needs cluster.local names.
func ClusterOnlyCorefile(corefile string) (string, bool) {
	var out []string
	changed, skipping := false, false
	for _, line := range strings.Split(corefile, "\n") {
		t := strings.TrimSpace(line)
		switch {
		case skipping:
			if t == "}" {
				skipping = false
			}
			continue
		case strings.HasPrefix(t, "forward "):
			changed = true
			skipping = strings.HasSuffix(t, "{")
			continue
		case t == "loop":
			changed = true
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n"), changed
}

// offlineDNS makes cluster DNS serve only cluster names and restarts CoreDNS.
func offlineDNS(ctx context.Context, cs kubernetes.Interface, timeout time.Duration) error {
	cm, err := cs.CoreV1().ConfigMaps("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("read the coredns ConfigMap: %w", err)
	}
	corefile, changed := ClusterOnlyCorefile(cm.Data["Corefile"])
	if changed {
		cm.Data["Corefile"] = corefile
		if _, err := cs.CoreV1().ConfigMaps("kube-system").Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("update the coredns ConfigMap: %w", err)
		}
		if err := cs.CoreV1().Pods("kube-system").DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "k8s-app=kube-dns"}); err != nil {
			return fmt.Errorf("restart CoreDNS: %w", err)
		}
	}
	return waitDNS(ctx, cs, timeout)
}

// waitDNS waits until every CoreDNS replica is ready.
func waitDNS(ctx context.Context, cs kubernetes.Interface, timeout time.Duration) error {
	var seen string
	ready := func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
		if err != nil {
			seen = err.Error()
			return false, nil
		}
		want := int32(1)
		if d.Spec.Replicas != nil {
			want = *d.Spec.Replicas
		}
		seen = fmt.Sprintf("%d of %d replicas ready, %d updated", d.Status.ReadyReplicas, want, d.Status.UpdatedReplicas)
		return d.Status.ObservedGeneration >= d.Generation && d.Status.ReadyReplicas == want &&
			d.Status.UpdatedReplicas == want && d.Status.Replicas == want, nil
	}
	err := wait.For(ready, wait.WithContext(ctx), wait.WithTimeout(timeout), wait.WithInterval(time.Second), wait.WithImmediate())
	if err != nil {
		return fmt.Errorf("cluster DNS (kube-system/coredns) not ready within %s: %s", timeout, seen)
	}
	return nil
}
