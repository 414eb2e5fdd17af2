// Package report writes what explains a red spec: for each namespace of the run,
// its events, its pods (spec and status) and every container's log, under
// reports/failures/<spec>/ — the way cluster-api's framework dumps resources.
package report

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

var unsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// SpecDir is the folder for one spec's dump.
func SpecDir(reportDir, spec string) string {
	name := strings.Trim(unsafe.ReplaceAllString(spec, "_"), "_")
	if len(name) > 120 {
		name = name[:120]
	}
	return filepath.Join(reportDir, "failures", name)
}

// DumpNamespaces writes events, pods and logs of each namespace under dir.
func DumpNamespaces(ctx context.Context, cs kubernetes.Interface, dir string, namespaces []string) error {
	for _, ns := range namespaces {
		d := filepath.Join(dir, ns)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
		if evs, err := cs.CoreV1().Events(ns).List(ctx, metav1.ListOptions{}); err == nil {
			sort.Slice(evs.Items, func(i, j int) bool { return evs.Items[i].LastTimestamp.Before(&evs.Items[j].LastTimestamp) })
			var b strings.Builder
			for _, e := range evs.Items {
				fmt.Fprintf(&b, "%s %s %s/%s %s: %s\n", e.LastTimestamp.UTC().Format("15:04:05"), e.Type, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
			}
			_ = os.WriteFile(filepath.Join(d, "events.txt"), []byte(b.String()), 0o644)
		}
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			continue
		}
		for _, p := range pods.Items {
			if y, err := yaml.Marshal(p); err == nil {
				_ = os.WriteFile(filepath.Join(d, "pod-"+p.Name+".yaml"), y, 0o644)
			}
			for _, c := range p.Spec.Containers {
				raw, err := cs.CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: c.Name}).DoRaw(ctx)
				if err != nil {
					raw = []byte("logs unavailable: " + err.Error())
				}
				_ = os.WriteFile(filepath.Join(d, "log-"+p.Name+"-"+c.Name+".txt"), raw, 0o644)
			}
		}
	}
	return nil
}
