package report

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

const (
	listPods   = "intent\tshop/storefront\tlist pods (in shop)\t"
	getConfig  = "intent\tshop/storefront\tget configmaps storefront-config (in shop)\t"
	oops       = "authorized (answered 200): granted by RoleBinding shop/oops (ClusterRole view)"
	selection1 = "verify intent sha256:abc; clients curl,sar"
)

func run(i int, verdict string, cells, causes map[string]string) HistoryEntry {
	e := histEntry(i, cells)
	e.Verdict, e.Selection, e.Causes, e.KubernetesVersion = verdict, selection1, causes, "v1.37.2"
	e.Started = fmt.Sprintf("2026-12-07T10:%02d:00Z", i)
	e.Facts = map[string]string{"Pod Security by default": "privileged (no AdmissionConfiguration)"}
	return e
}

func intended() map[string]string {
	return map[string]string{
		listPods + "curl": "deny: 403 Forbidden", listPods + "sar": "deny: denied",
		getConfig + "curl": "allow: 200", getConfig + "sar": "allow: allowed",
		"spec\t[It] a spec": "passed",
	}
}

func granted() map[string]string {
	c := intended()
	c[listPods+"curl"], c[listPods+"sar"] = "allow: 200", "allow: allowed"
	return c
}

func TestDriftNamesTheFlippedCellsAndTheBindingThatGrantsThem(t *testing.T) {
	history := []HistoryEntry{run(1, "passed", intended(), nil), run(2, "passed", intended(), nil)}
	third := run(3, "failed", granted(), map[string]string{listPods + "curl": oops, listPods + "sar": oops})
	d := CompareHistory(third, history)
	if d.Since != history[1].Name || len(d.Flipped) != 2 || len(d.Reverted) != 0 || !d.Drifted() {
		t.Fatalf("drift %+v", d)
	}
	lines := d.Lines()
	want := "flipped: shop/storefront list pods (in shop): deny → allow (curl, sar) — " + oops
	if len(lines) != 1 || lines[0] != want {
		t.Errorf("lines %q, want [%q]", lines, want)
	}
	if !strings.HasPrefix(d.Headline(), "changed since "+history[1].Name+" (started 2026-12-07T10:02:00Z): 2 cells flipped") {
		t.Errorf("headline %q", d.Headline())
	}

	// the binding removed: the fourth run is back, and says what it no longer has
	fourth := run(4, "passed", intended(), nil)
	d = CompareHistory(fourth, append(history, third))
	if d.Since != history[1].Name || len(d.Flipped) != 0 || d.Previous != third.Name || len(d.Reverted) != 2 || d.Drifted() {
		t.Fatalf("drift after the revert %+v", d)
	}
	if h := d.Headline(); !strings.HasPrefix(h, "no change since "+history[1].Name) || !strings.HasSuffix(h, "; the 2 cells "+third.Name+" had flipped are back") {
		t.Errorf("headline %q", h)
	}
	if l := d.Lines(); len(l) != 1 || !strings.HasPrefix(l[0], "reverted: shop/storefront list pods (in shop): allow → deny (curl, sar) — in "+third.Name+": "+oops) {
		t.Errorf("lines %q", l)
	}
}

func TestDriftComparesOnlyRunsOfTheSameSelectionAndClass(t *testing.T) {
	other := run(1, "passed", granted(), nil)
	other.Selection = "guide suite; labels smoke"
	if d := CompareHistory(run(2, "passed", intended(), nil), []HistoryEntry{other}); d.Since != "" || d.Drifted() {
		t.Errorf("compared with another selection: %+v", d)
	}
	if !strings.Contains(CompareHistory(run(2, "passed", intended(), nil), nil).Headline(), "nothing to compare with") {
		t.Error("a first run says it has nothing to compare with")
	}
	// a failed baseline is not one; a cell only one run has is not compared;
	// "not sent" is no answer
	base := run(1, "passed", map[string]string{listPods + "kubectl": "not sent alone", listPods + "curl": "deny: 403 Forbidden"}, nil)
	failed := run(2, "failed", map[string]string{listPods + "curl": "allow: 200"}, nil)
	now := run(3, "failed", map[string]string{listPods + "kubectl": "allow: 200", listPods + "curl": "deny: 403 Forbidden", getConfig + "go": "allow: 200"}, nil)
	d := CompareHistory(now, []HistoryEntry{failed, base})
	if d.Since != base.Name || len(d.Flipped) != 0 || len(d.Reverted) != 1 {
		t.Errorf("drift %+v", d)
	}
	// specs flip passed ↔ failed; skipped is neither
	a := run(1, "passed", map[string]string{"spec\tx": "passed", "spec\ty": "skipped"}, nil)
	b := run(2, "failed", map[string]string{"spec\tx": "failed", "spec\ty": "passed"}, map[string]string{"spec\tx": "Expected 403, got 200"})
	if d := CompareHistory(b, []HistoryEntry{a}); len(d.Flipped) != 1 || d.Lines()[0] != "flipped: x: passed → failed — Expected 403, got 200" {
		t.Errorf("spec drift %q", d.Lines())
	}
}

func TestDriftReportsChangedClusterFacts(t *testing.T) {
	base := run(1, "passed", intended(), nil)
	now := run(2, "passed", intended(), nil)
	now.KubernetesVersion = "v1.38.0"
	now.Facts = map[string]string{"Pod Security by default": "baseline (AdmissionConfiguration)"}
	d := CompareHistory(now, []HistoryEntry{base})
	if len(d.Facts) != 2 || !d.Drifted() {
		t.Fatalf("facts %+v", d.Facts)
	}
	if l := d.Lines(); l[0] != "fact: Kubernetes version: v1.37.2 → v1.38.0" || l[1] != "fact: Pod Security by default: privileged (no AdmissionConfiguration) → baseline (AdmissionConfiguration)" {
		t.Errorf("lines %q", l)
	}
}

func TestDriftEventMessageStaysUnderTheNoteLimit(t *testing.T) {
	base, now := map[string]string{}, map[string]string{}
	for i := 0; i < 200; i++ {
		k := fmt.Sprintf("intent\tshop/a\tget configmaps c%03d (in shop)\tcurl", i)
		base[k], now[k] = "deny: 403 Forbidden", "allow: 200"
	}
	d := CompareHistory(run(2, "failed", now, nil), []HistoryEntry{run(1, "passed", base, nil)})
	msg := d.EventMessage()
	if len(msg) > MaxEventMessage || !strings.Contains(msg, "more (kubectl get configmap") {
		t.Errorf("message %d bytes: %q", len(msg), msg)
	}
}

func TestPublishedDriftGoesInAnEventOnTheResults(t *testing.T) {
	cs := fake.NewSimpleClientset()
	ctx := context.Background()
	cm, err := WriteResults(ctx, cs, "inpod-system", "inpod-results", nil, map[string]string{"verdict": "failed"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := WriteEvent(ctx, cs, cm, "Warning", ReasonAccessDrift, "changed since x"); err != nil {
		t.Fatal(err)
	}
	evs, _ := cs.CoreV1().Events("inpod-system").List(ctx, metav1.ListOptions{})
	if len(evs.Items) != 1 || evs.Items[0].InvolvedObject.Name != "inpod-results" || evs.Items[0].InvolvedObject.Kind != "ConfigMap" || evs.Items[0].Reason != "AccessDrift" {
		t.Errorf("events %+v", evs.Items)
	}
}

func TestHistoryKeepsCausesFactsAndSelection(t *testing.T) {
	e := run(1, "failed", granted(), map[string]string{listPods + "curl": oops + "\nsecond line"})
	e.ChangedSince, e.Changed = "inpod-history-x", 2
	back := EntryFrom(configMap(e.Data()))
	if back.Selection != selection1 || back.Causes[listPods+"curl"] != oops+" second line" || back.Facts["Pod Security by default"] == "" ||
		back.ChangedSince != "inpod-history-x" || back.Changed != 2 || back.Cells[listPods+"curl"] != "allow: 200" {
		t.Errorf("read back %+v", back)
	}
}

func TestEntryOfKeepsAnIntentSpecAsItsCell(t *testing.T) {
	cell := IntentCell{ServiceAccount: "shop/storefront", Request: "list pods (in shop)", Client: "curl", Want: "deny", Got: "200",
		Answer: AnswerAllow, Cause: oops}
	rep := types.Report{SuiteSucceeded: false, SpecReports: types.SpecReports{
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "plain", State: types.SpecStatePassed},
		// in the suite's own process the value is raw, without AsJSON
		{LeafNodeType: types.NodeTypeIt, LeafNodeText: "may not list pods with curl", State: types.SpecStateFailed,
			Failure:       types.Failure{Message: "Expected 403"},
			ReportEntries: types.ReportEntries{{Name: IntentEntry, Value: types.WrapEntryValue(cell)}}},
	}}
	e := EntryOf(rep, Cluster{RunID: "job"}, selection1)
	if len(e.Cells) != 2 || e.Cells["spec\tplain"] != "passed" || e.Cells[listPods+"curl"] != "allow: 200" || e.Causes[listPods+"curl"] != oops {
		t.Errorf("cells %q causes %q", e.Cells, e.Causes)
	}
}
