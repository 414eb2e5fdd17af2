package report

import (
	"strings"
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

func spec(container, leaf string, st types.SpecState, msg string) types.SpecReport {
	return types.SpecReport{
		LeafNodeType: types.NodeTypeIt, ContainerHierarchyTexts: []string{container}, LeafNodeText: leaf,
		State: st, Failure: types.Failure{Message: msg},
	}
}

func TestMatrixLinesSpecsUpByVersionWithReasons(t *testing.T) {
	legs := []Leg{
		{Version: "v1.37.2", Times: map[string]string{"images (cold)": "14m"}, Facts: []string{"feature ServiceAccountTokenJTI: on"},
			Reports: []types.Report{{SuiteSucceeded: true, SpecReports: types.SpecReports{
				spec("tokens", "issues 600 s", types.SpecStatePassed, ""),
				spec("runner", "refuses secrets", types.SpecStateSkipped, "runs in `make job`\nmore"),
			}}}},
		{Version: "v1.35.4", Reports: []types.Report{{SpecReports: types.SpecReports{
			spec("tokens", "issues 600 s", types.SpecStateFailed, "expected 201\ngot 400"),
		}}}},
	}
	m := BuildMatrix("inpod: the suite on three Kubernetes minors", legs)
	if len(m.Rows) != 2 {
		t.Fatalf("rows: %+v", m.Rows)
	}
	r := m.Rows[0]
	if r.Spec != "tokens issues 600 s" || r.Cells[0].State != "passed" || r.Cells[1].State != "failed" || r.Cells[1].Cause != "expected 201" {
		t.Fatalf("row 0: %+v", r)
	}
	if c := m.Rows[1].Cells; c[0].State != "skipped" || c[0].Cause != "runs in `make job`" || c[1].State != "" {
		t.Fatalf("row 1: %+v", c)
	}
	md := m.Markdown()
	for _, want := range []string{
		"| | v1.37.2 | v1.35.4 |",
		"| result | 1 passed, 0 failed, 1 skipped | 0 passed, 1 failed, 0 skipped |",
		"| images (cold) | 14m | – |",
		"| feature ServiceAccountTokenJTI | on | – |",
		"| tokens issues 600 s | ✅ pass | ❌ FAIL: expected 201 |",
		"| runner refuses secrets | ⏭ skip: runs in `make job` | – |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if h := m.HTML(); !strings.Contains(h, `<td class="failed">FAIL: expected 201</td>`) {
		t.Errorf("html: %s", h)
	}
}
