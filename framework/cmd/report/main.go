// Command report turns Ginkgo's JSON report into summary.md and summary.html,
// and appends the Markdown to $GITHUB_STEP_SUMMARY when it is set.
//
//	report REPORT_DIR   (reads REPORT_DIR/report.json)
//	report -compare OUT TITLE NAME=DIR...   (one row per spec, one column per run;
//	                                         writes OUT.md and OUT.html)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/inpod/inpod/framework/report"
)

func main() {
	if len(os.Args) > 4 && os.Args[1] == "-compare" {
		compare(os.Args[2], os.Args[3], os.Args[4:])
		return
	}
	dir := "reports"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	reports, err := load(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	s := report.Summarize(reports)
	md := s.Markdown()
	for name, body := range map[string]string{"summary.md": md, "summary.html": s.HTML()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
	}
	if p := os.Getenv("GITHUB_STEP_SUMMARY"); p != "" {
		if f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			_, _ = f.WriteString(md)
			_ = f.Close()
		}
	}
	fmt.Fprintf(os.Stderr, "report: %s/summary.md and %s/summary.html written\n", dir, dir)
	// The closing line CI systems read.
	fmt.Printf("inpod: %d passed, %d failed, %d skipped\n", s.Passed, s.Failed, s.Skipped)
}

func load(dir string) ([]types.Report, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		return nil, fmt.Errorf("no Ginkgo JSON report: %w", err)
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil {
		return nil, fmt.Errorf("unreadable %s/report.json: %w", dir, err)
	}
	return reports, nil
}

// compare writes OUT.md and OUT.html from NAME=DIR runs; a run without a report
// is a column of specs not run, and makes the exit code 1.
func compare(out, title string, runs []string) {
	var cols []report.Column
	missing := 0
	for _, r := range runs {
		name, dir, ok := strings.Cut(r, "=")
		if !ok {
			fmt.Fprintf(os.Stderr, "report: %q is not NAME=DIR\n", r)
			os.Exit(2)
		}
		reports, err := load(dir)
		if err != nil {
			fmt.Fprintf(os.Stderr, "report: %s: %v\n", name, err)
			missing++
		}
		cols = append(cols, report.Column{Name: name, Reports: reports})
	}
	c := report.Compare(title, cols)
	for ext, body := range map[string]string{".md": c.Markdown(), ".html": c.HTML()} {
		if err := os.WriteFile(out+ext, []byte(body), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
	}
	fmt.Fprintf(os.Stderr, "report: %s.md and %s.html written (%d specs × %d runs, %d red cells)\n", out, out, len(c.Rows), len(cols), c.Failed())
	if missing > 0 || c.Failed() > 0 {
		os.Exit(1)
	}
}
