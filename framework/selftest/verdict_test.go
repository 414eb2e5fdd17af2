package selftest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/internal/golden"
)

var fault = faults.Fault{
	Name:   "break-reader",
	Guards: []string{"guard:reader"},
	Filter: "smoke",
	Causes: []string{`cannot list resource "pods"`},
	Breaks: "the reader's RoleBinding",
}

func newRun(specs ...Spec) *Run {
	r := &Run{Filter: "smoke", Specs: map[string]Spec{}, Duration: 42 * time.Second}
	for _, s := range specs {
		r.Specs[s.Name] = s
		r.Order = append(r.Order, s.Name)
	}
	return r
}

func passed(name string, labels ...string) Spec {
	return Spec{Name: name, Labels: labels, State: types.SpecStatePassed}
}

func failed(name, msg string, labels ...string) Spec {
	return Spec{Name: name, Labels: labels, State: types.SpecStateFailed, Msg: msg}
}

func baseline() *Run {
	return newRun(passed("reader lists pods", "guard:reader"), passed("healthz answers", "smoke"))
}

func TestJudge(t *testing.T) {
	cause := `pods is forbidden: User "system:serviceaccount:x:reader" cannot list resource "pods"`
	cases := []struct {
		name   string
		base   *Run
		run    *Run
		caught bool
		why    string
	}{
		{"guarding spec red with the cause, the rest green", baseline(),
			newRun(failed("reader lists pods", cause, "guard:reader"), passed("healthz answers", "smoke")), true, ""},
		{"guarding spec red for another reason", baseline(),
			newRun(failed("reader lists pods", "context deadline exceeded", "guard:reader"), passed("healthz answers", "smoke")), false, "1 red without the cause"},
		{"guarding spec passed", baseline(),
			newRun(passed("reader lists pods", "guard:reader"), passed("healthz answers", "smoke")), false, "1 guarding specs missed"},
		{"guarding spec skipped", baseline(),
			newRun(Spec{Name: "reader lists pods", Labels: []string{"guard:reader"}, State: types.SpecStateSkipped}, passed("healthz answers", "smoke")), false, "1 guarding specs missed"},
		{"guarding spec vanished from the report", baseline(),
			newRun(passed("healthz answers", "smoke")), false, "1 guarding specs missed"},
		{"another spec went red too", baseline(),
			newRun(failed("reader lists pods", cause, "guard:reader"), failed("healthz answers", "boom", "smoke")), false, "1 other specs not green"},
		{"a suite-level node failed", baseline(),
			func() *Run {
				r := newRun(failed("reader lists pods", cause, "guard:reader"), passed("healthz answers", "smoke"))
				r.Suite = []string{"AfterSuite [failed]: namespaces left behind"}
				return r
			}(), false, "1 other specs not green"},
		{"baseline not green", newRun(failed("reader lists pods", "x", "guard:reader")),
			newRun(failed("reader lists pods", cause, "guard:reader")), false, "baseline not green"},
		{"baseline with a failed AfterSuite is not green", func() *Run {
			b := baseline()
			b.Suite = []string{"AfterSuite [failed]: x"}
			return b
		}(), newRun(failed("reader lists pods", cause, "guard:reader"), passed("healthz answers", "smoke")), false, "baseline not green"},
		{"no spec carries the labels", newRun(passed("healthz answers", "smoke")),
			newRun(passed("healthz answers", "smoke")), false, "no spec carries its labels"},
		{"the run itself failed", baseline(), &Run{Err: errors.New("no JSON report")}, false, "error: no JSON report"},
		{"a cause quoted as JSON still counts", baseline(),
			newRun(failed("reader lists pods", `{"message":"cannot list resource \"pods\""}`, "guard:reader"), passed("healthz answers", "smoke")), true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := Judge(fault, c.base, c.run)
			if res.Caught() != c.caught {
				t.Fatalf("Caught() = %v, want %v (why %v)", res.Caught(), c.caught, res.Why())
			}
			why := strings.Join(res.Why(), "; ")
			if c.caught && why != "" {
				t.Errorf("caught, yet Why() = %q", why)
			}
			if !c.caught && !strings.Contains(why, c.why) {
				t.Errorf("Why() = %q, want it to say %q", why, c.why)
			}
		})
	}
}

func writeReport(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "report.json")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadRun(t *testing.T) {
	const report = `[{"SuiteSucceeded": false, "SpecialSuiteFailureReasons": ["Interrupted by Timeout"], "SpecReports": [
	 {"LeafNodeType": "It", "LeafNodeText": "lists pods", "LeafNodeLabels": ["smoke"], "State": "passed"},
	 {"LeafNodeType": "It", "LeafNodeText": "is not selected", "LeafNodeLabels": ["slow"], "State": "failed", "Failure": {"Message": "x"}},
	 {"LeafNodeType": "AfterSuite", "State": "failed", "Failure": {"Message": "namespace inpod-x left behind\nmore"}}]}]`
	r := ReadRun(writeReport(t, report), "smoke", errors.New("exit status 1"))
	if r.Err != nil {
		t.Fatalf("Err = %v", r.Err)
	}
	if len(r.Order) != 1 || r.Order[0] != "lists pods" {
		t.Fatalf("Order = %v, want only the spec the filter selects", r.Order)
	}
	want := []string{"AfterSuite [failed]: namespace inpod-x left behind", "suite: Interrupted by Timeout"}
	if strings.Join(r.Suite, "|") != strings.Join(want, "|") {
		t.Errorf("Suite = %q, want %q", r.Suite, want)
	}
	if ok, _ := r.Green(); ok {
		t.Error("a run with a failed AfterSuite counts as green")
	}

	clean := `[{"SuiteSucceeded": true, "SpecReports": [{"LeafNodeType": "It", "LeafNodeText": "lists pods", "LeafNodeLabels": ["smoke"], "State": "passed"}]}]`
	if ok, bad := ReadRun(writeReport(t, clean), "smoke", nil).Green(); !ok {
		t.Errorf("clean run not green: %v", bad)
	}
	r = ReadRun(writeReport(t, clean), "smoke", errors.New("exit status 1"))
	if r.Err == nil || !strings.Contains(r.Err.Error(), "report shows no failure") {
		t.Errorf("ginkgo failed with an all-green report: Err = %v", r.Err)
	}
	if r := ReadRun(filepath.Join(t.TempDir(), "absent.json"), "smoke", nil); r.Err == nil {
		t.Error("a missing report is not an error")
	}
	if r := ReadRun(writeReport(t, clean), "smoke &&", nil); r.Err == nil || !strings.Contains(r.Err.Error(), "label filter") {
		t.Errorf("bad label filter: Err = %v", r.Err)
	}
}

func TestRenderGolden(t *testing.T) {
	base := baseline()
	cause := `cannot list resource "pods"`
	results := []Result{
		Judge(fault, base, newRun(failed("reader lists pods", cause, "guard:reader", "smoke", "rbac"), passed("healthz answers", "smoke"))),
		Judge(faults.Fault{Name: "missed-one", Guards: []string{"guard:reader"}, Filter: "smoke", Causes: []string{"x"}, Breaks: "nothing", EnvVar: "INPOD_TEST_ONLY"},
			base, newRun(passed("reader lists pods", "guard:reader"), passed("healthz answers", "smoke"))),
	}
	cov := Cover(newRun(passed("guarded", faults.GuardPodReaderBinding), passed("job-only", "runner")))
	got := Render(cov, results, map[string]*Run{"smoke": base}, []string{"dns-down: needs LABELS=slow"}, false)
	golden.Check(t, "selftest.md", got)
}

// Cover counts a spec guarded only through a label a real fault names: the
// test-only label and unknown guard labels do not count, and a spec without one
// is listed with the reason faults.Unguarded gives for its labels.
func TestCover(t *testing.T) {
	all := newRun(
		passed("a", faults.GuardPodReaderBinding),
		passed("b", faults.GuardSelfTestBeforeAll),
		passed("c", "guards:nobody-names-this"),
		passed("d", "runner"),
		passed("e"),
	)
	c := Cover(all)
	if c.Total != 5 || c.Guarded != 1 || len(c.Unguarded) != 4 {
		t.Fatalf("got %+v", c)
	}
	why := map[string]string{}
	for _, u := range c.Unguarded {
		why[u.Spec] = u.Reason
	}
	if !strings.HasPrefix(why["d"], "runner: ") || !strings.Contains(why["c"], "guards:nobody-names-this are named by no fault") ||
		why["b"] != "no guard label and no stated reason" || why["e"] != "no guard label and no stated reason" {
		t.Errorf("reasons: %v", why)
	}
	if got := c.Line(); got != "1 of 5 specs (20.0 %) carry a guard label a fault turns red; 4 unguarded" {
		t.Errorf("line: %s", got)
	}
}
