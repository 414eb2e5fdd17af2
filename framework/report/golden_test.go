package report

import (
	"testing"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/inpod/inpod/framework/internal/golden"
)

func entry(t *testing.T, name string, v any) types.ReportEntry {
	t.Helper()
	return types.ReportEntry{Name: name, Value: types.WrapEntryValue(v)}
}

func tableSpec(method, leaf string, st types.SpecState, msg string, entries ...types.ReportEntry) types.SpecReport {
	sp := spec("The API from inside a pod", leaf, st, msg)
	sp.LeafNodeLabels = []string{"method:" + method, MethodTableLabel}
	sp.ReportEntries = entries
	return sp
}

// summaryReport is a small run with every section: cluster facts, an erratum,
// the method table with a mismatch and a status kubectl did not show, an intent
// matrix, token facts, other specs; failed is whether its AfterSuite failed.
func summaryReport(t *testing.T, afterSuiteFailed bool) []types.Report {
	cluster := entry(t, ClusterEntry, Cluster{Name: "inpod", Provider: "kind", ServerVersion: "v1.37.2", NodeImage: "inpod/kind-node:v1.37.2",
		Images: "offline", RunID: "ab12cd", Facts: [][2]string{{"token expiry extension", "true (API default, flag absent)"}}})
	list := func(method string, code int, cell, happened string) types.ReportEntry {
		return entry(t, AccessEntry, Access{ServiceAccount: "pod-reader", Method: method, Request: "list pods", Code: code, Cell: cell, Happened: happened})
	}
	specs := types.SpecReports{
		tableSpec("curl", "lets pod-reader list pods in its namespace: HTTP 200", types.SpecStatePassed, "", cluster,
			list("curl", 200, "200", "the request was allowed (HTTP 200)")),
		tableSpec("kubectl", "lets pod-reader list pods in its namespace: HTTP 200", types.SpecStateFailed,
			"kubectl: expected the request to be allowed, but the status was not observed\nmore",
			list("kubectl", 0, "not observed", "the status was not observed (kubectl exit 0 logged no response to GET /api/v1/namespaces/n/pods)")),
		func() types.SpecReport {
			sp := spec("Guide errata", "finds no jq in the guide's curl image", types.SpecStatePassed, "")
			sp.ReportEntries = []types.ReportEntry{entry(t, ErratumEntry, Erratum{Section: "Method 2", Step: "curl … | jq .items[].metadata.name",
				Image: "curlimages/curl:8.16.0", Evidence: "exit 127: sh: jq: not found", Corrected: "| sed -n 's/…/\\1/p'", Proof: "6 names = the API's 6"})}
			return sp
		}(),
		func() types.SpecReport {
			sp := spec("Intended access", "may not get configmaps shop-settings", types.SpecStateFailed, "granted by RoleBinding shop/s → Role s")
			sp.ReportEntries = []types.ReportEntry{
				entry(t, IntentEntry, IntentCell{ServiceAccount: "shop/metrics-agent", Request: "get configmaps shop-settings (in shop)", Client: "curl",
					Want: "deny", Got: "200", OK: false, Cause: "granted by RoleBinding shop/s → Role s <group>", Happened: "the request was allowed (HTTP 200)"}),
				entry(t, IntentEntry, IntentCell{ServiceAccount: "shop/metrics-agent", Request: "get configmaps shop-settings (in shop)", Client: "sar",
					Want: "deny", Got: "allowed", OK: false, Cause: "granted by RoleBinding shop/s → Role s <group>"}),
			}
			return sp
		}(),
		func() types.SpecReport {
			sp := spec("Projected tokens", "gives the mounted default token the flags' lifetime", types.SpecStatePassed, "")
			sp.ReportEntries = []types.ReportEntry{{Name: "default-token-lifetime", Value: types.WrapEntryValue("3607 s")}}
			return sp
		}(),
		spec("The runner", "refuses secrets", types.SpecStateSkipped, "runs in make job"),
	}
	rep := types.Report{SuiteSucceeded: false, RunTime: 83 * time.Second, SpecReports: specs}
	if afterSuiteFailed {
		specs = append(specs, types.SpecReport{LeafNodeType: types.NodeTypeAfterSuite, State: types.SpecStateFailed,
			Failure: types.Failure{Message: "delete namespaces labelled inpod.io/run=ab12cd: 2 left after 2m\ndetail"}})
		rep.SpecReports = specs
	}
	return fromJSONReports(t, rep)
}

func TestSummaryGolden(t *testing.T) {
	s := Summarize(summaryReport(t, false))
	golden.Check(t, "summary.md", s.Markdown())
	golden.Check(t, "summary.html", s.HTML())
}

// A failed AfterSuite fails the run even when every It passed, and heads the page.
func TestSummarySuiteLevelFailure(t *testing.T) {
	rep := summaryReport(t, true)
	var its types.SpecReports
	for _, sp := range rep[0].SpecReports {
		if sp.LeafNodeType != types.NodeTypeIt || sp.State != types.SpecStateFailed {
			its = append(its, sp)
		}
	}
	rep[0].SpecReports = its
	s := Summarize(rep)
	if s.Failed != 0 || s.Verdict() != "FAILED" || len(s.SuiteFailures) != 1 {
		t.Fatalf("verdict %s, failed %d, suite failures %q", s.Verdict(), s.Failed, s.SuiteFailures)
	}
	golden.Check(t, "summary-suite-failed.md", s.Markdown())
	rep[0].SpecReports = its[:len(its)-1]
	rep[0].SuiteSucceeded = true
	if s := Summarize(rep); s.Verdict() != "PASSED" || len(s.SuiteFailures) != 0 {
		t.Errorf("a clean run: verdict %s, suite failures %q", s.Verdict(), s.SuiteFailures)
	}
}

func TestMatrixHTMLGolden(t *testing.T) {
	legs := []Leg{
		{Version: "v1.37.2", Times: map[string]string{"images (cold)": "14m"}, Facts: []string{"feature ServiceAccountTokenJTI: on"},
			Reports: []types.Report{{SuiteSucceeded: true, SpecReports: types.SpecReports{spec("tokens", "issues 600 s", types.SpecStatePassed, "")}}}},
		{Version: "v1.35.4", Reports: []types.Report{{SpecReports: types.SpecReports{spec("tokens", "issues 600 s", types.SpecStateFailed, "expected 201 <got 400>")}}}},
	}
	golden.Check(t, "matrix.html", BuildMatrix("inpod: two minors", legs).HTML())
}

// The specs a cluster refusal stopped are counted not run: the one that
// skipped with the cause and the rest of its Ordered container; a skip of
// another container for another reason is not.
func TestNotRun(t *testing.T) {
	cause := NotRunPrefix + "the cluster's admission refused to create pod n/p"
	got := notRun([]skip{{"smoke", cause}, {"smoke", beforeAllSkip}, {"smoke", beforeAllSkip},
		{"other", beforeAllSkip}, {"other", "no node claim"}})
	if got != 3 {
		t.Errorf("not run: %d, want 3", got)
	}
}
