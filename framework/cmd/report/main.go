// Command report turns Ginkgo's JSON report into summary.md and summary.html,
// and appends the Markdown to $GITHUB_STEP_SUMMARY when it is set.
//
//	report [-incomplete-exit N] REPORT_DIR   (reads REPORT_DIR/report.json)
//
// With -incomplete-exit, an INCOMPLETE verdict (specs not run because of the
// cluster's own configuration) exits N: Ginkgo exits 0 when specs are skipped,
// so a run that could not check everything would otherwise look green.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/inpod/inpod/framework/config"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/inpod/inpod/framework/report"
)

func main() {
	incompleteExit := flag.Int("incomplete-exit", 0, "exit with this code when the verdict is INCOMPLETE (0: exit 0)")
	flag.Parse()
	dir := "reports"
	if flag.NArg() > 0 {
		dir = flag.Arg(0)
	}
	reports, err := load(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	s := report.Summarize(reports)
	if s.Drift, err = report.ReadDrift(dir); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	md := s.Markdown() + selfTestLink(dir)
	for name, body := range map[string]string{"summary.md": md, "summary.html": s.HTML()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
	}
	if p := config.Env("GITHUB_STEP_SUMMARY"); p != "" {
		if f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			_, _ = f.WriteString(md)
			_ = f.Close()
		}
	}
	fmt.Fprintf(os.Stderr, "report: %s/summary.md and %s/summary.html written\n", dir, dir)
	// The closing line CI systems read.
	fmt.Printf("inpod: %s — %s\n", s.Verdict(), s.Counts())
	if s.Verdict() == "INCOMPLETE" && *incompleteExit != 0 {
		fmt.Fprintf(os.Stderr, "report: INCOMPLETE — %d specs were not run because of the cluster's configuration (top of %s/summary.md); exit %d\n", s.NotRun, dir, *incompleteExit)
		os.Exit(*incompleteExit)
	}
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

// selfTestLink points the summary at the last `make selftest` table, when one
// was written into the same directory.
func selfTestLink(dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, "selftest.md"))
	if err != nil {
		return ""
	}
	caught, notCaught := strings.Count(string(raw), "| caught |"), strings.Count(string(raw), "| NOT caught")
	return fmt.Sprintf("\n## Self-test\n\n[selftest.md](selftest.md): %d faults caught, %d NOT caught (make selftest: a clean baseline, then each fault must turn every spec carrying its guard labels red and leave the rest green).\n", caught, notCaught)
}
