// Command matrix lines up the per-version runs of `make matrix` into
// OUT_DIR/matrix.md and matrix.html: one row per spec, one column per version,
// plus each version's cluster facts and wall times.
//
//	matrix [-title T] [-name N] OUT_DIR LEG_DIR...
//	    each LEG_DIR is named after its column (a version, a profile) and holds
//	    report.json and, where the script wrote them, cluster-facts.txt and
//	    times.txt; writes OUT_DIR/N.md and N.html (N defaults to matrix).
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/inpod/inpod/framework/report"
)

func main() {
	title := flag.String("title", "inpod: the suite on three Kubernetes minors", "the report's heading")
	name := flag.String("name", "matrix", "the report's file name, without .md/.html")
	flag.Parse()
	if flag.NArg() < 2 {
		fmt.Fprintln(os.Stderr, "usage: matrix [-title T] [-name N] OUT_DIR LEG_DIR...")
		os.Exit(2)
	}
	if err := run(*title, *name, flag.Arg(0), flag.Args()[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "matrix:", err)
		os.Exit(1)
	}
}

func run(title, name, out string, dirs []string) error {
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
	m := report.BuildMatrix(title, legs)
	for file, body := range map[string]string{name + ".md": m.Markdown(), name + ".html": m.HTML()} {
		if err := os.WriteFile(filepath.Join(out, file), []byte(body), 0o644); err != nil {
			return err
		}
	}
	for i, l := range legs {
		s := m.Sums[i]
		fmt.Printf("matrix: %s: %s — %s\n", l.Version, s.Verdict(), s.Counts())
	}
	fmt.Fprintf(os.Stderr, "matrix: %s/%s.md and %s/%s.html written\n", out, name, out, name)
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
