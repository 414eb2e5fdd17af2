// Command matrix lines up the per-version runs of `make matrix` into
// OUT_DIR/matrix.md and matrix.html: one row per spec, one column per version,
// plus each version's cluster facts and wall times.
//
//	matrix OUT_DIR LEG_DIR...   (each LEG_DIR is named after its version and holds
//	                             report.json, cluster-facts.txt, times.txt)
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/inpod/inpod/framework/report"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: matrix OUT_DIR LEG_DIR...")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "matrix:", err)
		os.Exit(1)
	}
}

func run(out string, dirs []string) error {
	var legs []report.Leg
	for _, dir := range dirs {
		leg := report.Leg{Version: filepath.Base(dir), Times: map[string]string{}}
		raw, err := os.ReadFile(filepath.Join(dir, "report.json"))
		if err != nil {
			return fmt.Errorf("%s: no Ginkgo JSON report: %w", leg.Version, err)
		}
		if err := json.Unmarshal(raw, &leg.Reports); err != nil {
			return fmt.Errorf("%s: unreadable report.json: %w", leg.Version, err)
		}
		leg.Facts, _ = lines(filepath.Join(dir, "cluster-facts.txt"))
		times, _ := lines(filepath.Join(dir, "times.txt"))
		for _, t := range times {
			if k, v, ok := strings.Cut(t, ": "); ok {
				leg.Times[k] = v
			}
		}
		legs = append(legs, leg)
	}
	m := report.BuildMatrix(legs)
	for name, body := range map[string]string{"matrix.md": m.Markdown(), "matrix.html": m.HTML()} {
		if err := os.WriteFile(filepath.Join(out, name), []byte(body), 0o644); err != nil {
			return err
		}
	}
	for i, l := range legs {
		s := m.Sums[i]
		fmt.Printf("matrix: %s: %d passed, %d failed, %d skipped\n", l.Version, s.Passed, s.Failed, s.Skipped)
	}
	fmt.Fprintf(os.Stderr, "matrix: %s/matrix.md and %s/matrix.html written\n", out, out)
	return nil
}

// lines reads "name: value" lines, skipping blank ones.
func lines(p string) ([]string, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			out = append(out, l)
		}
	}
	return out, sc.Err()
}
