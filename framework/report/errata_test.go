package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func erratumSpec(state types.SpecState) types.SpecReport {
	return types.SpecReport{
		LeafNodeType: types.NodeTypeIt, LeafNodeText: "finds no jq", State: state,
		ContainerHierarchyTexts: []string{"curl"},
		ReportEntries: types.ReportEntries{{Name: ErratumEntry, Value: types.WrapEntryValue(Erratum{
			Section: "Method 2", Step: "curl ... \\\n  $APISERVER/pods | jq .items[].metadata.name", Image: "curlimages/curl:8.16.0",
			Evidence: "exit 127: sh: jq: not found", Corrected: "curl ... | sed -n 's/^        \"name\"/y/p'", Proof: "3 names",
		})}},
		Failure: types.Failure{Message: "the guide's step no longer fails as the erratum states"},
	}
}

// fromJSON is reports as the suite's report.json gives them back (entry values
// carry their JSON only after the round trip).
func fromJSON(t *testing.T, specs ...types.SpecReport) []types.Report {
	return fromJSONReports(t, types.Report{SpecReports: specs})
}

func fromJSONReports(t *testing.T, reports ...types.Report) []types.Report {
	t.Helper()
	b, err := json.Marshal(reports)
	if err != nil {
		t.Fatal(err)
	}
	var out []types.Report
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestErrataHeadTheSummary(t *testing.T) {
	s := Summarize(fromJSON(t, erratumSpec(types.SpecStatePassed)))
	md := s.Markdown()
	i := strings.Index(md, "## Guide errata")
	if i < 0 || strings.Index(md, "## Methods") < i {
		t.Fatalf("no Guide errata section before the methods table:\n%s", md)
	}
	for _, want := range []string{"`curlimages/curl:8.16.0`", "seen: `exit 127: sh: jq: not found`", "the guide's step: `curl ... $APISERVER/pods | jq .items[].metadata.name`", "fails as the erratum states", "paste instead: `curl ... | sed -n 's/^        \"name\"/y/p'`"} {
		if !strings.Contains(md, want) {
			t.Errorf("summary lacks %q:\n%s", want, md)
		}
	}
	if h := s.HTML(); !strings.Contains(h, "<h2>Guide errata</h2>") || !strings.Contains(h, "sh: jq: not found") {
		t.Errorf("HTML lacks the errata:\n%s", h)
	}
}

func TestErratumThatNoLongerHoldsSaysSo(t *testing.T) {
	md := Summarize(fromJSON(t, erratumSpec(types.SpecStateFailed))).Markdown()
	if !strings.Contains(md, "the erratum's spec is failed") || !strings.HasPrefix(md, "# inpod: FAILED") {
		t.Errorf("a red erratum must show as red:\n%s", md)
	}
}
