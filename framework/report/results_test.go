package report

import (
	"strings"
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"
)

func TestResultsCountsAndNamesEachFailure(t *testing.T) {
	it := func(text string, st types.SpecState, msg string) types.SpecReport {
		return types.SpecReport{LeafNodeType: types.NodeTypeIt, LeafNodeText: text, State: st, Failure: types.Failure{Message: msg}}
	}
	rep := types.Report{SuiteSucceeded: false, StartTime: time.Unix(0, 0), EndTime: time.Unix(60, 0), SpecReports: types.SpecReports{
		it("a", types.SpecStatePassed, ""),
		it("b", types.SpecStateFailed, "want 403\nmore"),
		it("c", types.SpecStateSkipped, ""),
	}}
	d := Results(rep, Cluster{RunID: "r1"}, []byte("<testsuites/>"))
	for k, want := range map[string]string{"verdict": "failed", "passed": "1", "failed": "1", "skipped": "1",
		"failures": "b — want 403", "runID": "r1", "finished": "1970-01-01T00:01:00Z", "junit.xml": "<testsuites/>"} {
		if d[k] != want {
			t.Errorf("%s = %q, want %q", k, d[k], want)
		}
	}
	big := Results(rep, Cluster{RunID: "r1"}, []byte(strings.Repeat("x", MaxJUnitInResults+1)))
	if _, ok := big["junit.xml"]; ok || !strings.Contains(big["junit"], "too big") {
		t.Errorf("a JUnit over the bound is kept: %q", big["junit"])
	}
}

// A long intent's matrix reads mismatches first, then account by account and
// resource by resource, whatever order the specs ran in.
func TestIntentRowsGroupedByAccountAndResource(t *testing.T) {
	cell := func(sa, req string, ok bool) IntentCell {
		return IntentCell{ServiceAccount: sa, Request: req, Client: "curl", Want: "allow", OK: ok}
	}
	rows := intentRows([]IntentCell{
		cell("b/x", "watch pods (cluster-wide)", true),
		cell("a/y", "list secrets (cluster-wide)", true),
		cell("b/x", "list configmaps (cluster-wide)", true),
		cell("b/x", "list pods (cluster-wide)", false),
		cell("a/y", "get configmaps c (in a)", true),
	})
	var got []string
	for _, r := range rows {
		got = append(got, r.ServiceAccount+" "+r.Request)
	}
	want := []string{"b/x list pods (cluster-wide)", "a/y get configmaps c (in a)", "a/y list secrets (cluster-wide)",
		"b/x list configmaps (cluster-wide)", "b/x watch pods (cluster-wide)"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
