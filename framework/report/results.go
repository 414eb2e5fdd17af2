package report

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/inpod/inpod/framework/config"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// MaxJUnitInResults bounds the JUnit kept inside the results ConfigMap; a
// ConfigMap holds at most 1 MiB in all.
const MaxJUnitInResults = 768 << 10

// Results is the verdict of a run as a ConfigMap's data: what a fleet tool
// reads without the pod, the files, or a CRD.
func Results(rep types.Report, c Cluster, junit []byte) map[string]string {
	s := Summarize([]types.Report{rep})
	verdict := "passed"
	switch {
	case !rep.SuiteSucceeded:
		verdict = "failed"
	case s.NotRun > 0:
		verdict = "incomplete" // the cluster's own configuration kept specs from running
	}
	var failures []string
	for _, f := range s.Failures {
		failures = append(failures, f.Name+" — "+f.Cause)
	}
	cluster, _ := json.Marshal(c)
	data := map[string]string{
		"verdict":              verdict,
		"passed":               strconv.Itoa(s.Passed),
		"failed":               strconv.Itoa(s.Failed),
		"skipped":              strconv.Itoa(s.Skipped),
		"failures":             strings.Join(failures, "\n"),
		"clusterConfiguration": strings.Join(s.ClusterConfig, "\n"),
		"notRun":               strconv.Itoa(s.NotRun),
		"cluster":              string(cluster),
		"runID":                c.RunID,
		"started":              rep.StartTime.UTC().Format(time.RFC3339),
		"finished":             rep.EndTime.UTC().Format(time.RFC3339),
	}
	if len(junit) <= MaxJUnitInResults {
		data["junit.xml"] = string(junit)
	} else {
		data["junit"] = fmt.Sprintf("%d bytes, too big for this ConfigMap: junit.xml in the reports of the run (the Job's /results, copied out by `make job`)", len(junit))
	}
	return data
}

// JUnit renders rep as Ginkgo's --junit-report would.
func JUnit(rep types.Report) ([]byte, error) {
	dir, err := os.MkdirTemp("", "inpod-junit")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	path := filepath.Join(dir, "junit.xml")
	if err := reporters.GenerateJUnitReport(rep, path); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

// WriteResults creates or updates ConfigMap ns/name with data.
func WriteResults(ctx context.Context, cs kubernetes.Interface, ns, name string, labels, data map[string]string) (*corev1.ConfigMap, error) {
	cms := cs.CoreV1().ConfigMaps(ns)
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: labels}, Data: data}
	got, err := cms.Create(ctx, cm, metav1.CreateOptions{})
	if !apierrors.IsAlreadyExists(err) {
		return got, err
	}
	old, err := cms.Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	old.Labels, old.Data = labels, data
	return cms.Update(ctx, old, metav1.UpdateOptions{})
}

// The reasons of the Events a run leaves on its results ConfigMap.
const (
	// ReasonAccessDrift (Warning): cells flipped or cluster facts changed
	// since the last passing run.
	ReasonAccessDrift = "AccessDrift"
	// ReasonAccessDriftReverted (Normal): cells an earlier run found flipped
	// are back to the last passing run's answers.
	ReasonAccessDriftReverted = "AccessDriftReverted"
)

// WriteEvent records an Event on obj (core/v1, as client-go's recorder does),
// so `kubectl get events` and whatever watches Events see it.
func WriteEvent(ctx context.Context, cs kubernetes.Interface, obj *corev1.ConfigMap, eventType, reason, message string) (*corev1.Event, error) {
	now := metav1.Now()
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{GenerateName: obj.Name + ".", Namespace: obj.Namespace},
		InvolvedObject: corev1.ObjectReference{APIVersion: "v1", Kind: "ConfigMap", Namespace: obj.Namespace, Name: obj.Name,
			UID: obj.UID, ResourceVersion: obj.ResourceVersion},
		Reason: reason, Message: message, Type: eventType,
		Source:         corev1.EventSource{Component: "inpod"},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}
	return cs.CoreV1().Events(obj.Namespace).Create(ctx, ev, metav1.CreateOptions{})
}

// WriteSonobuoyResults hands junit to Sonobuoy's worker: the file in dir, then
// dir/done naming it (the worker waits for done, then uploads what it names).
func WriteSonobuoyResults(dir string, junit []byte) error {
	path := filepath.Join(dir, "junit.xml")
	if err := os.WriteFile(path, junit, 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "done"), []byte(path), 0o644)
}

// PublishInput is an in-cluster run's verdict and where it goes.
type PublishInput struct {
	Client    kubernetes.Interface
	Namespace string // of the results ConfigMap
	Name      string
	Labels    map[string]string
	Cluster   Cluster
	// Selection is what the run checked (HistoryEntry.Selection).
	Selection string
	// ReportDir receives DriftFile; "" = none.
	ReportDir string
	Log       func(format string, args ...any)
}

// Publish leaves an in-cluster run's verdict as the results ConfigMap (it
// outlives the Job's pod) and, as a Sonobuoy plugin (SONOBUOY_RESULTS_DIR),
// hands the JUnit to Sonobuoy's worker. It compares the run with the last
// passing one in the history (CompareHistory): the drift goes into the
// results ConfigMap ("drift"), DriftFile and, when something changed, an
// AccessDrift Event on the ConfigMap; then the run joins the history.
func Publish(ctx context.Context, rep types.Report, in PublishInput) {
	junit, err := JUnit(rep)
	if err != nil {
		in.Log("results: render JUnit: %v", err)
	}
	if dir := config.Env("SONOBUOY_RESULTS_DIR"); dir != "" {
		if err := WriteSonobuoyResults(dir, junit); err != nil {
			in.Log("results: hand the JUnit to Sonobuoy in %s: %v", dir, err)
		}
	}
	data := Results(rep, in.Cluster, junit)
	e := EntryOf(rep, in.Cluster, in.Selection)
	history, herr := ReadHistory(ctx, in.Client, in.Namespace)
	d := CompareHistory(e, history)
	if herr != nil {
		d = Drift{Run: e.Name}
		data["drift"] = "not compared: the history could not be read: " + herr.Error()
	} else {
		data["drift"] = d.Text()
	}
	data["changedSince"] = d.Since
	e.ChangedSince, e.Changed = d.Since, len(d.Flipped)
	if in.ReportDir != "" {
		if err := WriteDrift(in.ReportDir, d); err != nil {
			in.Log("results: %v", err)
		}
	}
	cm, err := WriteResults(ctx, in.Client, in.Namespace, in.Name, in.Labels, data)
	if err != nil {
		in.Log("results: write ConfigMap %s/%s: %v", in.Namespace, in.Name, err)
		return
	}
	in.Log("results: verdict %s (passed %s, failed %s, skipped %s) in ConfigMap %s/%s", data["verdict"], data["passed"], data["failed"], data["skipped"], in.Namespace, in.Name)
	in.Log("results: drift: %s", strings.ReplaceAll(data["drift"], "\n", "\n    "))
	for _, ev := range []struct {
		when              bool
		kind, reason, msg string
	}{
		{d.Drifted(), corev1.EventTypeWarning, ReasonAccessDrift, d.EventMessage()},
		{len(d.Reverted) > 0, corev1.EventTypeNormal, ReasonAccessDriftReverted, d.EventMessage()},
	} {
		if !ev.when {
			continue
		}
		if got, err := WriteEvent(ctx, in.Client, cm, ev.kind, ev.reason, ev.msg); err != nil {
			in.Log("results: Event %s on ConfigMap %s/%s: %v", ev.reason, in.Namespace, in.Name, err)
		} else {
			in.Log("results: Event %s/%s (reason %s) on ConfigMap %s", got.Namespace, got.Name, ev.reason, in.Name)
		}
	}
	keep := DefaultHistoryKeep
	if v := config.Env("INPOD_HISTORY_KEEP"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			keep = n
		} else {
			in.Log("results: INPOD_HISTORY_KEEP=%q is not a positive number; keeping %d entries", v, keep)
		}
	}
	pruned, err := WriteHistory(ctx, in.Client, in.Namespace, e, keep, in.Labels)
	if err != nil {
		in.Log("results: %v", err)
		return
	}
	in.Log("results: history entry ConfigMap %s/%s (%d cells); the newest %d entries are kept, pruned: %d %v", in.Namespace, e.Name, len(e.Cells), keep, len(pruned), pruned)
}
