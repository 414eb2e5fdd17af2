package selftest

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/inpod/inpod/framework/lines"
)

// ReadRun reads the Ginkgo JSON report at path: the Its that filter selects,
// and the suite-level nodes that did not pass. exit is ginkgo's own error (nil
// when it exited 0): a failing exit with a report that shows no failure at all
// is an error of the run, not a green one.
func ReadRun(path, filter string, exit error) *Run {
	r := &Run{Filter: filter, Specs: map[string]Spec{}}
	match, err := types.ParseLabelFilter(filter)
	if err != nil {
		r.Err = fmt.Errorf("label filter %q: %w", filter, err)
		return r
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		r.Err = fmt.Errorf("no JSON report: %w", err)
		return r
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil {
		r.Err = fmt.Errorf("JSON report %s: %w", path, err)
		return r
	}
	failed := false
	for _, rep := range reports {
		for _, s := range rep.SpecReports {
			if s.LeafNodeType != types.NodeTypeIt {
				if s.State.Is(types.SpecStateFailureStates) {
					r.Suite = append(r.Suite, fmt.Sprintf("%s [%s]: %s", s.LeafNodeType, s.State, lines.First(s.Failure.Message)))
				}
				continue
			}
			if s.State.Is(types.SpecStateFailureStates) {
				failed = true
			}
			if !match(s.Labels()) {
				continue
			}
			n := s.FullText()
			if _, dup := r.Specs[n]; !dup {
				r.Order = append(r.Order, n)
			}
			r.Specs[n] = Spec{Name: n, Labels: s.Labels(), State: s.State, Msg: s.Failure.Message}
		}
		if !rep.SuiteSucceeded && len(rep.SpecialSuiteFailureReasons) > 0 {
			for _, why := range rep.SpecialSuiteFailureReasons {
				r.Suite = append(r.Suite, "suite: "+why)
			}
		}
	}
	if exit != nil && !failed && len(r.Suite) == 0 {
		r.Err = fmt.Errorf("ginkgo failed (%v) but its report shows no failure", exit)
	}
	return r
}
