package selftest

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/inpod/inpod/framework/faults"
)

// Areas are the label areas at least one caught fault must cover: a red spec of
// that fault carries all of an area's labels.
var Areas = []struct {
	name   string
	labels []string
}{
	{"automount", []string{"automount"}},
	{"namespace-reader", []string{faults.GuardNamespaceReader}},
	{"deployment-manager", []string{faults.GuardDeploymentManager}},
	{"allowed path: curl", []string{"method:curl", faults.GuardPodReaderBinding}},
	{"allowed path: python", []string{"method:python", faults.GuardPodReaderBinding}},
	{"allowed path: go", []string{"method:go", faults.GuardPodReaderBinding}},
	{"allowed path: kubectl", []string{"method:kubectl", faults.GuardPodReaderBinding}},
	{"troubleshooting", []string{"troubleshooting"}},
	{"projected-token", []string{"projected-token"}},
	{"rbac", []string{"rbac"}},
	{"smoke", []string{"smoke"}},
	{"slow", []string{"slow"}},
}

// Render is reports/selftest.md: the guarded fraction, the baselines, each
// fault's verdict, the label areas the caught faults cover, and the details.
func Render(cov Coverage, results []Result, baselines map[string]*Run, notRun []string, withSlow bool) string {
	var b strings.Builder
	b.WriteString("# inpod self-test\n\n")
	b.WriteString("Labels are the contract: a fault's guarding specs are the specs of its run that carry one of its guard labels " +
		"(framework/faults.Registry). Each filter first runs a clean baseline; then every guarding spec must be red with the " +
		"fault's cause in its message (skipped, pending, passed or absent = missed) and every other spec green.\n\n")
	b.WriteString("## Guarded specs\n\n" + cov.Line() + " (read from `ginkgo --dry-run`: the labels every spec carries).\n\n")
	if len(cov.Unguarded) > 0 {
		b.WriteString("| unguarded spec | reason |\n|---|---|\n")
		for _, u := range cov.Unguarded {
			fmt.Fprintf(&b, "| %s | %s |\n", strings.ReplaceAll(u.Spec, "|", "/"), strings.ReplaceAll(u.Reason, "|", "/"))
		}
		b.WriteString("\n")
	}
	b.WriteString("## Baselines (no fault)\n\n| labels | specs | passed | not passed | time | verdict |\n|---|---|---|---|---|---|\n")
	var filters []string
	for f := range baselines {
		filters = append(filters, f)
	}
	sort.Strings(filters)
	for _, f := range filters {
		r := baselines[f]
		ok, bad := r.Green()
		verdict := "green"
		if !ok {
			verdict = "NOT green"
			if r.Err != nil {
				verdict += " — " + r.Err.Error()
			}
		}
		fmt.Fprintf(&b, "| `%s` | %d | %d | %d | %s | %s |\n", f, len(r.Order), len(r.Order)-len(bad), len(bad), r.Duration.Round(time.Second), verdict)
	}
	b.WriteString("\n## Faults\n\n| fault | labels | guarding specs | red | missed | verdict |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		verdict := "caught"
		if !r.Caught() {
			verdict = "NOT caught"
			why := r.Why()
			verdict += " (" + strings.Join(why, "; ") + ")"
		}
		if r.Fault.EnvVar != "" {
			verdict += " — test-only, expected NOT caught"
		}
		fmt.Fprintf(&b, "| %s | `%s` in `%s` | %d | %d | %d | %s |\n", r.Fault.Name, strings.Join(r.Fault.Guards, " "), r.Fault.Filter,
			len(r.Guarding), len(r.Red), len(r.Missed), strings.ReplaceAll(verdict, "|", "/"))
	}
	for _, n := range notRun {
		fmt.Fprintf(&b, "| %s | | | | | not run |\n", strings.ReplaceAll(n, "|", "/"))
	}
	b.WriteString("\n## Label areas covered by caught faults\n\n| area | labels | caught by (red specs in the area) |\n|---|---|---|\n")
	for _, a := range Areas {
		var by []string
		for _, r := range results {
			if !r.Caught() || r.Fault.EnvVar != "" {
				continue
			}
			n := 0
			for _, name := range r.Red {
				if s, ok := r.Baseline.Specs[name]; ok && hasAll(s.Labels, a.labels) {
					n++
				}
			}
			if n > 0 {
				by = append(by, fmt.Sprintf("%s (%d)", r.Fault.Name, n))
			}
		}
		cell := strings.Join(by, ", ")
		switch {
		case cell == "" && a.name == "slow" && !withSlow:
			cell = "not run (LABELS lacks slow)"
		case cell == "":
			cell = "NONE"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", a.name, strings.Join(a.labels, " && "), cell)
	}
	b.WriteString("\n## Details\n\n")
	for _, r := range results {
		fmt.Fprintf(&b, "### %s\n\nBreaks: %s. Causes (one must appear in each red message): %q.\n\n", r.Fault.Name, r.Fault.Breaks, r.Fault.Causes)
		for _, n := range r.Red {
			fmt.Fprintf(&b, "- red: %s\n", n)
		}
		for _, n := range r.Missed {
			fmt.Fprintf(&b, "- MISSED: %s\n", n)
		}
		for _, n := range r.Also {
			fmt.Fprintf(&b, "- other spec not green: %s\n", strings.ReplaceAll(n, "\n", " "))
		}
		for _, n := range r.Uncaused {
			fmt.Fprintf(&b, "- red without the cause: %s\n", n)
		}
		b.WriteString("\n")
	}
	return b.String()
}
