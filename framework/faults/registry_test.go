package faults

import (
	"testing"

	"github.com/onsi/ginkgo/v2/types"
)

// The registry is the contract the self-test reads: every fault must name known
// guard labels, a parseable label filter and precise causes, and every guard
// label must be guarded by some fault.
func TestRegistry(t *testing.T) {
	seen := map[string]bool{}
	guarded := map[string]bool{}
	for _, f := range Registry {
		if seen[f.Name] {
			t.Errorf("fault %s listed twice", f.Name)
		}
		seen[f.Name] = true
		if _, err := types.ParseLabelFilter(f.Filter); err != nil {
			t.Errorf("fault %s: label filter %q: %v", f.Name, f.Filter, err)
		}
		if len(f.Guards) == 0 {
			t.Errorf("fault %s guards no label", f.Name)
		}
		for _, g := range f.Guards {
			if _, ok := Guards[g]; !ok {
				t.Errorf("fault %s guards %q, which is not in Guards", f.Name, g)
			}
			guarded[g] = true
		}
		if len(f.Causes) == 0 {
			t.Errorf("fault %s names no cause", f.Name)
		}
		for _, c := range f.Causes {
			if len(c) < 12 {
				t.Errorf("fault %s: cause %q is too short to be specific", f.Name, c)
			}
		}
	}
	for g := range Guards {
		if !guarded[g] {
			t.Errorf("guard label %s is guarded by no fault", g)
		}
	}
}

func TestValidate(t *testing.T) {
	if err := Validate([]string{DefaultCanListPods, NoAPIPodAutomounts}); err != nil {
		t.Error(err)
	}
	if err := Validate([]string{"nope"}); err == nil {
		t.Error("an unknown fault was accepted")
	}
	if err := Validate([]string{ClusterDNSDown}); err == nil {
		t.Error("a cluster fault was accepted in INPOD_INJECT")
	}
	t.Setenv(selfTestBeforeAllEnvVar, "")
	if err := Validate([]string{BreakBeforeAll}); err == nil {
		t.Errorf("the test-only fault was accepted without %s=1", selfTestBeforeAllEnvVar)
	}
	t.Setenv(selfTestBeforeAllEnvVar, "1")
	if err := Validate([]string{BreakBeforeAll}); err != nil {
		t.Error(err)
	}
}
