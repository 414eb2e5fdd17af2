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
	"maps"
	"slices"
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
	// Selection is what the run checked (the suite and its label filter, or
	// the intent file's digest): runs are compared only with runs of the same.
	Selection string
	// Cells are the run's outcomes, key → state: each spec ("passed",
	// "failed", "skipped"), and for an intent run each (account, request,
	// client) cell's answer, "allow: 200", "deny: 403 Forbidden", or without a
	// class when the cell was not sent ("not sent (kubelet)").
	Cells map[string]string
	// Causes are the one-line causes of the cells that were not as intended
	// (the binding that grants a request meant to be denied…), by cell key.
	Causes map[string]string
	// Facts are the cluster facts drift compares (DriftFacts), name → value.
	Facts map[string]string
	// ChangedSince and Changed are this run's drift as it found it: the entry
	// it was compared with and how many cells had flipped.
	ChangedSince string
	Changed      int
	// Truncated counts cells left out to keep the entry under MaxHistoryCells.
	Truncated int
}

// DriftFacts are the cluster facts (clusterinfo.Facts.Lines) whose change a
// run reports: what decides tokens and what admission lets run.
var DriftFacts = []string{"token expiry extension", "max token expiration", "mounted token (computed from the flags above)",
	"Pod Security by default", "NetworkPolicy engine"}

// EntryOf is rep as a history entry.
func EntryOf(rep types.Report, c Cluster, selection string) HistoryEntry {
	s := Summarize([]types.Report{rep})
	verdict := Results(rep, c, nil)["verdict"]
	e := HistoryEntry{
		Name:  HistoryPrefix + strings.ToLower(rep.StartTime.UTC().Format("20060102t150405z")),
		RunID: c.RunID, Started: rep.StartTime.UTC().Format("2006-01-02T15:04:05Z"), Finished: rep.EndTime.UTC().Format("2006-01-02T15:04:05Z"),
		KubernetesVersion: c.ServerVersion, Verdict: verdict, Selection: selection,
		Passed: s.Passed, Failed: s.Failed, Skipped: s.Skipped,
		Cells: map[string]string{}, Causes: map[string]string{}, Facts: map[string]string{},
	}
	for _, f := range c.Facts {
		if slices.Contains(DriftFacts, f[0]) {
			e.Facts[f[0]] = f[1]
		}
	}
	causes := map[string]string{}
	for _, f := range s.Failures {
		causes[f.Name] = f.Cause
	}
	for _, sr := range rep.SpecReports {
		if sr.LeafNodeType != types.NodeTypeIt {
			continue
		}
		// A spec that answers an intent cell is kept as that cell: its
		// answer says more than passed or failed, and once is enough.
		if !slices.ContainsFunc(sr.ReportEntries, func(en types.ReportEntry) bool { return en.Name == IntentEntry }) {
			e.Cells["spec\t"+sr.FullText()] = specState(sr.State)
			if c := causes[sr.FullText()]; c != "" {
				e.Causes["spec\t"+sr.FullText()] = c
			}
		}
		for _, en := range sr.ReportEntries {
			if en.Name != IntentEntry {
				continue
			}
			var ic IntentCell
			if json.Unmarshal(entryJSON(en.Value), &ic) != nil {
				continue
			}
			k := "intent\t" + ic.ServiceAccount + "\t" + ic.Request + "\t" + ic.Client
			e.Cells[k] = ic.Got
			if ic.Answer != "" {
				e.Cells[k] = ic.Answer + ": " + ic.Got
			}
			if ic.Cause != "" {
				e.Causes[k] = ic.Cause
			}
		}
	}
	return e
}

// CellAnswer is the class of a cell's state, what drift compares: allow or
// deny for an intent cell, passed or failed for a spec; "" when neither (a
// skipped spec, a cell not sent).
func CellAnswer(state string) string {
	switch {
	case state == "passed" || state == "failed":
		return state
	case strings.HasPrefix(state, AnswerAllow+": "):
		return AnswerAllow
	case strings.HasPrefix(state, AnswerDeny+": "):
		return AnswerDeny
	}
	return ""
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

// lineList is m as "KEY<TAB>VALUE" lines, sorted, cut at max bytes; left is
// how many were cut. Tabs and newlines inside a value become spaces.
func lineList(m map[string]string, max int) (text string, left int) {
	keys := slices.Sorted(maps.Keys(m))
	var b strings.Builder
	for i, k := range keys {
		line := k + "\t" + strings.NewReplacer("\t", " ", "\n", " ").Replace(m[k]) + "\n"
		if b.Len()+len(line) > max {
			return b.String(), len(keys) - i
		}
		b.WriteString(line)
	}
	return b.String(), 0
}

// readLines is lineList read back.
func readLines(text string) map[string]string {
	m := map[string]string{}
	for _, l := range strings.Split(text, "\n") {
		if i := strings.LastIndex(l, "\t"); i >= 0 && !strings.HasPrefix(l, truncatedMarker) {
			m[l[:i]] = l[i+1:]
		}
	}
	return m
}

const truncatedMarker = "…truncated\t"

// Data is e as a ConfigMap's data: cells one per line, "KEY<TAB>STATE",
// sorted, cut at MaxHistoryCells with a marker line; the causes likewise, in
// a quarter of that.
func (e HistoryEntry) Data() map[string]string {
	cells, left := lineList(e.Cells, MaxHistoryCells)
	if left+e.Truncated > 0 {
		cells += fmt.Sprintf("%s%d more cells (the entry stays under %d KiB)\n", truncatedMarker, left+e.Truncated, MaxHistoryCells>>10)
	}
	causes, _ := lineList(e.Causes, MaxHistoryCells/4)
	facts, _ := lineList(e.Facts, 16<<10)
	return map[string]string{
		"runID": e.RunID, "started": e.Started, "finished": e.Finished, "kubernetesVersion": e.KubernetesVersion,
		"verdict": e.Verdict, "passed": strconv.Itoa(e.Passed), "failed": strconv.Itoa(e.Failed), "skipped": strconv.Itoa(e.Skipped),
		"selection": e.Selection, "changedSince": e.ChangedSince, "changed": strconv.Itoa(e.Changed),
		"cells": cells, "causes": causes, "facts": facts,
	}
}

// EntryFrom reads an entry back from its ConfigMap.
func EntryFrom(cm corev1.ConfigMap) HistoryEntry {
	d := cm.Data
	atoi := func(k string) int { n, _ := strconv.Atoi(d[k]); return n }
	e := HistoryEntry{Name: cm.Name, RunID: d["runID"], Started: d["started"], Finished: d["finished"], KubernetesVersion: d["kubernetesVersion"],
		Verdict: d["verdict"], Passed: atoi("passed"), Failed: atoi("failed"), Skipped: atoi("skipped"),
		Selection: d["selection"], ChangedSince: d["changedSince"], Changed: atoi("changed"),
		Cells: readLines(d["cells"]), Causes: readLines(d["causes"]), Facts: readLines(d["facts"])}
	if i := strings.Index(d["cells"], truncatedMarker); i >= 0 {
		e.Truncated, _ = strconv.Atoi(strings.Fields(d["cells"][i+len(truncatedMarker):])[0])
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
