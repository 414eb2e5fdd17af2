package report

// The bounded history of in-cluster runs (a CronJob's): one ConfigMap per run
// beside the results object, in the runner's own namespace. ConfigMaps, not a
// CRD: installing a CRD takes cluster-admin, which the one-file install and the
// confined runner do without; `kubectl get configmaps -l inpod.io/history`
// lists them and `inpodctl history` shows them as a table.

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

const (
	// HistoryLabel marks a history entry; its value is the run's verdict.
	HistoryLabel = "inpod.io/history"
	// HistoryPrefix starts every entry's name; the rest is the run's start
	// time (UTC), so names sort by time.
	HistoryPrefix = "inpod-history-"
	// DefaultHistoryKeep is how many entries are kept (INPOD_HISTORY_KEEP).
	DefaultHistoryKeep = 10
	// MaxHistoryCells bounds an entry's cells in bytes: a ConfigMap holds at
	// most 1 MiB, and N entries live in one namespace's etcd budget.
	MaxHistoryCells = 256 << 10
)

// HistoryEntry is one run as the history keeps it.
type HistoryEntry struct {
	Name, RunID, Started, Finished, KubernetesVersion, Verdict string
	Passed, Failed, Skipped                                    int
	// Cells are the run's outcomes, key → state: each spec (passed, failed,
	// skipped), and for an intent run each (account, request, client) cell's
	// answer ("200", "403 Forbidden", …).
	Cells map[string]string
	// Truncated counts cells left out to keep the entry under MaxHistoryCells.
	Truncated int
}

// EntryOf is rep as a history entry.
func EntryOf(rep types.Report, c Cluster) HistoryEntry {
	s := Summarize([]types.Report{rep})
	verdict := Results(rep, c, nil)["verdict"]
	e := HistoryEntry{
		Name:  HistoryPrefix + strings.ToLower(rep.StartTime.UTC().Format("20060102t150405z")),
		RunID: c.RunID, Started: rep.StartTime.UTC().Format("2006-01-02T15:04:05Z"), Finished: rep.EndTime.UTC().Format("2006-01-02T15:04:05Z"),
		KubernetesVersion: c.ServerVersion, Verdict: verdict,
		Passed: s.Passed, Failed: s.Failed, Skipped: s.Skipped,
		Cells: map[string]string{},
	}
	for _, sr := range rep.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		e.Cells["spec\t"+sr.FullText()] = specState(sr.State)
		for _, en := range sr.ReportEntries {
			if en.Name != IntentEntry {
				continue
			}
			var ic IntentCell
			if json.Unmarshal([]byte(en.Value.AsJSON), &ic) == nil {
				e.Cells["intent\t"+ic.ServiceAccount+"\t"+ic.Request+"\t"+ic.Client] = ic.Got
			}
		}
	}
	return e
}

func specState(s types.SpecState) string {
	switch {
	case s == types.SpecStatePassed:
		return "passed"
	case s.Is(types.SpecStateSkipped | types.SpecStatePending):
		return "skipped"
	}
	return "failed"
}

// Data is e as a ConfigMap's data: cells one per line, "KEY<TAB>STATE",
// sorted, cut at MaxHistoryCells with a marker line.
func (e HistoryEntry) Data() map[string]string {
	keys := make([]string, 0, len(e.Cells))
	for k := range e.Cells {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	left := 0
	for i, k := range keys {
		line := k + "\t" + e.Cells[k] + "\n"
		if b.Len()+len(line) > MaxHistoryCells {
			left = len(keys) - i
			break
		}
		b.WriteString(line)
	}
	if left+e.Truncated > 0 {
		fmt.Fprintf(&b, "…truncated\t%d more cells (the entry stays under %d KiB)\n", left+e.Truncated, MaxHistoryCells>>10)
	}
	return map[string]string{
		"runID": e.RunID, "started": e.Started, "finished": e.Finished, "kubernetesVersion": e.KubernetesVersion,
		"verdict": e.Verdict, "passed": strconv.Itoa(e.Passed), "failed": strconv.Itoa(e.Failed), "skipped": strconv.Itoa(e.Skipped),
		"cells": b.String(),
	}
}

// EntryFrom reads an entry back from its ConfigMap.
func EntryFrom(cm corev1.ConfigMap) HistoryEntry {
	d := cm.Data
	atoi := func(k string) int { n, _ := strconv.Atoi(d[k]); return n }
	e := HistoryEntry{Name: cm.Name, RunID: d["runID"], Started: d["started"], Finished: d["finished"], KubernetesVersion: d["kubernetesVersion"],
		Verdict: d["verdict"], Passed: atoi("passed"), Failed: atoi("failed"), Skipped: atoi("skipped"), Cells: map[string]string{}}
	for _, l := range strings.Split(d["cells"], "\n") {
		i := strings.LastIndex(l, "\t")
		if i < 0 {
			continue
		}
		if strings.HasPrefix(l, "…truncated\t") {
			e.Truncated, _ = strconv.Atoi(strings.Fields(l[len("…truncated\t"):])[0])
			continue
		}
		e.Cells[l[:i]] = l[i+1:]
	}
	return e
}

// ReadHistory is the entries in ns, oldest first.
func ReadHistory(ctx context.Context, cs kubernetes.Interface, ns string) ([]HistoryEntry, error) {
	list, err := cs.CoreV1().ConfigMaps(ns).List(ctx, metav1.ListOptions{LabelSelector: HistoryLabel})
	if err != nil {
		return nil, err
	}
	var out []HistoryEntry
	for _, cm := range list.Items {
		if strings.HasPrefix(cm.Name, HistoryPrefix) {
			out = append(out, EntryFrom(cm))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// WriteHistory adds e to ns's history and deletes the oldest entries beyond
// keep; it returns the names it deleted.
func WriteHistory(ctx context.Context, cs kubernetes.Interface, ns string, e HistoryEntry, keep int, labels map[string]string) ([]string, error) {
	l := map[string]string{}
	for k, v := range labels {
		l[k] = v
	}
	l[HistoryLabel] = e.Verdict
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: e.Name, Namespace: ns, Labels: l}, Data: e.Data()}
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("history entry %s/%s: %w", ns, e.Name, err)
	}
	all, err := ReadHistory(ctx, cs, ns)
	if err != nil {
		return nil, fmt.Errorf("history in %s: %w", ns, err)
	}
	var pruned []string
	for i := 0; i < len(all)-keep; i++ {
		if err := cs.CoreV1().ConfigMaps(ns).Delete(ctx, all[i].Name, metav1.DeleteOptions{}); err != nil {
			return pruned, fmt.Errorf("pruning history entry %s/%s: %w", ns, all[i].Name, err)
		}
		pruned = append(pruned, all[i].Name)
	}
	return pruned, nil
}
