// Package selftest holds the self-test's verdict logic: which specs of a run a
// fault guards, whether each went red for the fault's cause, and whether the
// fault counts as caught. Labels are the contract: each spec carries the guard
// labels of the properties it checks, and each fault of framework/faults.Registry
// names the guard labels whose specs must go red. framework/cmd/selftest runs the
// suite; this package only reads what the runs reported.
package selftest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/lines"
)

// Spec is one It of a run, as the JSON report shows it.
type Spec struct {
	Name   string
	Labels []string
	State  types.SpecState
	Msg    string
}

// Run is the specs a ginkgo run selected with its label filter, and what went
// wrong outside them.
type Run struct {
	Filter string
	Specs  map[string]Spec
	Order  []string
	// Suite lists suite-level nodes (BeforeSuite, AfterSuite, cleanup, report
	// nodes) that did not pass: a run with one is not green whatever its Its say.
	Suite    []string
	Err      error // no report, or ginkgo failed where the report says nothing did
	Duration time.Duration
}

// Green says whether every selected spec passed, no suite-level node failed and
// the run had no error; bad lists what was not green, one line each.
func (r *Run) Green() (bool, []string) {
	var bad []string
	for _, n := range r.Order {
		if s := r.Specs[n]; s.State != types.SpecStatePassed {
			bad = append(bad, fmt.Sprintf("%s [%s]: %s", n, s.State, lines.First(s.Msg)))
		}
	}
	bad = append(bad, r.Suite...)
	return r.Err == nil && len(r.Order) > 0 && len(bad) == 0, bad
}

// Result is one fault's run judged against its baseline.
type Result struct {
	Fault    faults.Fault
	Baseline *Run
	Guarding []string
	Red      []string
	Missed   []string // name [state]
	Also     []string // other specs (or suite nodes) not green
	Uncaused []string // red, but without one of the fault's causes
	Err      error
}

// Caught: the baseline was green, every guarding spec went red with the
// fault's cause, and nothing else failed.
func (r Result) Caught() bool {
	ok, _ := r.Baseline.Green()
	return ok && r.Err == nil && len(r.Guarding) > 0 && len(r.Red) == len(r.Guarding) &&
		len(r.Missed) == 0 && len(r.Also) == 0 && len(r.Uncaused) == 0
}

// Why lists what kept the fault from being caught, empty when it was.
func (r Result) Why() []string {
	var why []string
	if ok, _ := r.Baseline.Green(); !ok {
		why = append(why, "baseline not green")
	}
	if r.Err != nil {
		why = append(why, "error: "+r.Err.Error())
	}
	if len(r.Guarding) == 0 {
		why = append(why, "no spec carries its labels")
	}
	if len(r.Missed) > 0 {
		why = append(why, fmt.Sprintf("%d guarding specs missed", len(r.Missed)))
	}
	if len(r.Also) > 0 {
		why = append(why, fmt.Sprintf("%d other specs not green", len(r.Also)))
	}
	if len(r.Uncaused) > 0 {
		why = append(why, fmt.Sprintf("%d red without the cause", len(r.Uncaused)))
	}
	return why
}

// Judge classifies the fault run r against its baseline. The guarding specs are
// those carrying one of the fault's labels, in this run or in the baseline (a
// spec that vanished from the report is missed too); a guarding spec that passed,
// was skipped or pending is missed; a red one must mention one of the fault's
// causes; every other spec, and every suite-level node, must be green.
func Judge(f faults.Fault, base, r *Run) Result {
	res := Result{Fault: f, Baseline: base}
	if r.Err != nil {
		res.Err = r.Err
		return res
	}
	guarding := map[string]bool{}
	for _, src := range []*Run{base, r} {
		for _, n := range src.Order {
			if hasAny(src.Specs[n].Labels, f.Guards) {
				guarding[n] = true
			}
		}
	}
	for _, n := range append(slices.Clone(base.Order), r.Order...) {
		if !guarding[n] || slices.Contains(res.Guarding, n) {
			continue
		}
		res.Guarding = append(res.Guarding, n)
		s, ok := r.Specs[n]
		switch {
		case !ok:
			res.Missed = append(res.Missed, n+" [not in the report]")
		case s.State.Is(types.SpecStateFailureStates):
			res.Red = append(res.Red, n)
			if !Mentions(s.Msg, f.Causes) {
				res.Uncaused = append(res.Uncaused, n+": "+lines.First(s.Msg))
			}
		default:
			res.Missed = append(res.Missed, fmt.Sprintf("%s [%s]", n, s.State))
		}
	}
	for _, n := range r.Order {
		if s := r.Specs[n]; !guarding[n] && s.State != types.SpecStatePassed {
			res.Also = append(res.Also, fmt.Sprintf("%s [%s]: %s", n, s.State, lines.First(s.Msg)))
		}
	}
	res.Also = append(res.Also, r.Suite...)
	return res
}

// Mentions says whether msg contains one of the cause phrases, as written or
// JSON-escaped (a program's raw output quotes the API's Status as JSON).
func Mentions(msg string, causes []string) bool {
	for _, c := range causes {
		if strings.Contains(msg, c) || strings.Contains(msg, strings.ReplaceAll(c, `"`, `\"`)) {
			return true
		}
	}
	return false
}

func hasAny(labels, want []string) bool {
	return slices.ContainsFunc(want, func(w string) bool { return slices.Contains(labels, w) })
}

func hasAll(labels, want []string) bool {
	return !slices.ContainsFunc(want, func(w string) bool { return !slices.Contains(labels, w) })
}
