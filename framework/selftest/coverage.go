package selftest

import (
	"fmt"
	"sort"
	"strings"

	"github.com/inpod/inpod/framework/faults"
)

// Coverage is how many of the suite's specs a fault guards: a spec is guarded
// when it carries a guard label that a fault of the registry (not a test-only
// one) names. Unguarded lists the rest, each with its reason.
type Coverage struct {
	Total     int
	Guarded   int
	Unguarded []Unguarded
}

// Unguarded is one spec no fault guards, and why.
type Unguarded struct {
	Spec   string
	Reason string
}

// Percent is the guarded fraction in percent.
func (c Coverage) Percent() float64 {
	if c.Total == 0 {
		return 0
	}
	return 100 * float64(c.Guarded) / float64(c.Total)
}

// Line is the guarded fraction in one line.
func (c Coverage) Line() string {
	return fmt.Sprintf("%d of %d specs (%.1f %%) carry a guard label a fault turns red; %d unguarded", c.Guarded, c.Total, c.Percent(), len(c.Unguarded))
}

// Cover reads a run that listed every spec (ginkgo --dry-run, no label filter).
func Cover(all *Run) Coverage {
	named := map[string]bool{}
	for _, f := range faults.Registry {
		if f.EnvVar != "" {
			continue // a test-only fault guards nothing real
		}
		for _, g := range f.Guards {
			named[g] = true
		}
	}
	var c Coverage
	for _, n := range all.Order {
		s := all.Specs[n]
		c.Total++
		var unnamed []string
		guarded := false
		for _, l := range s.Labels {
			if !strings.HasPrefix(l, "guards:") {
				continue
			}
			if named[l] {
				guarded = true
			} else if l != faults.GuardSelfTestBeforeAll {
				unnamed = append(unnamed, l)
			}
		}
		if guarded {
			c.Guarded++
			continue
		}
		c.Unguarded = append(c.Unguarded, Unguarded{Spec: n, Reason: reason(s.Labels, unnamed)})
	}
	sort.SliceStable(c.Unguarded, func(i, j int) bool { return c.Unguarded[i].Reason < c.Unguarded[j].Reason })
	return c
}

func reason(labels, unnamed []string) string {
	for _, l := range labels {
		if why, ok := faults.Unguarded[l]; ok {
			return l + ": " + why
		}
	}
	if len(unnamed) > 0 {
		return "its guard labels " + strings.Join(unnamed, ", ") + " are named by no fault"
	}
	return "no guard label and no stated reason"
}
