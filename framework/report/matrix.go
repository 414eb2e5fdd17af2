package report

import (
	"fmt"
	"html"
	"strings"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/inpod/inpod/framework/lines"
)

// Leg is one run in the matrix: a Kubernetes version (make matrix) or a cluster
// profile (make profiles).
type Leg struct {
	Version string // the column's name
	Reports []types.Report
	// Facts measured outside the suite (cluster-facts.txt): "name: value" lines.
	Facts []string
	// Times: what each step took on this machine, e.g. "images (cold)": "14m2s".
	Times map[string]string
}

// Matrix is one row per spec, one column per leg.
type Matrix struct {
	Title string
	Legs  []Leg
	Rows  []MatrixRow
	Sums  []Summary // per leg, same order
}

// MatrixRow is one spec across the legs; Cells[i] belongs to Legs[i].
type MatrixRow struct {
	Spec  string
	Cells []Row // State "" when the leg did not have the spec
}

// BuildMatrix lines the legs' specs up by their full text, in first-seen order.
func BuildMatrix(title string, legs []Leg) Matrix {
	m := Matrix{Title: title, Legs: legs}
	index := map[string]int{}
	for i, leg := range legs {
		m.Sums = append(m.Sums, Summarize(leg.Reports))
		for _, rep := range leg.Reports {
			for _, sp := range rep.SpecReports {
				if sp.LeafNodeType != types.NodeTypeIt {
					continue
				}
				name := sp.FullText()
				r, ok := index[name]
				if !ok {
					r = len(m.Rows)
					index[name] = r
					m.Rows = append(m.Rows, MatrixRow{Spec: name, Cells: make([]Row, len(legs))})
				}
				cell := Row{State: stateName(sp.State)}
				if cell.State != "passed" {
					cell.Cause = lines.First(sp.Failure.Message)
				}
				m.Rows[r].Cells[i] = cell
			}
		}
	}
	return m
}

// Markdown renders reports/matrix.md.
func (m Matrix) Markdown() string {
	var b strings.Builder
	b.WriteString("# " + m.Title + "\n\n")
	b.WriteString("| | " + m.join(func(l Leg, _ Summary) string { return l.Version }) + " |\n")
	b.WriteString("|---|" + strings.Repeat("---|", len(m.Legs)) + "\n")
	b.WriteString("| result | " + m.join(func(_ Leg, s Summary) string {
		return fmt.Sprintf("%d passed, %d failed, %d skipped", s.Passed, s.Failed, s.Skipped)
	}) + " |\n")
	b.WriteString("| server | " + m.join(func(_ Leg, s Summary) string { return s.Cluster.ServerVersion }) + " |\n")
	b.WriteString("| node image | " + m.join(func(_ Leg, s Summary) string { return "`" + s.Cluster.NodeImage + "`" }) + " |\n")
	for _, k := range m.timeKeys() {
		b.WriteString("| " + k + " | " + m.join(func(l Leg, _ Summary) string { return orDash(l.Times[k]) }) + " |\n")
	}
	for _, k := range m.factKeys() {
		b.WriteString("| " + k + " | " + m.joinIndexed(func(i int, l Leg) string { return orDash(fact(m.facts(i, l), k)) }) + " |\n")
	}
	b.WriteString("\n## Specs\n\n| spec | " + m.join(func(l Leg, _ Summary) string { return l.Version }) + " |\n")
	b.WriteString("|---|" + strings.Repeat("---|", len(m.Legs)) + "\n")
	for _, r := range m.Rows {
		b.WriteString("| " + mdCell(r.Spec) + " |")
		for _, c := range r.Cells {
			s := mark[c.State] + " " + word[c.State]
			if c.State == "" {
				s = "–"
			}
			if c.Cause != "" {
				s += ": " + c.Cause
			}
			b.WriteString(" " + mdCell(s) + " |")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// HTML renders reports/matrix.html.
func (m Matrix) HTML() string {
	var b strings.Builder
	e := html.EscapeString
	b.WriteString(`<!doctype html><html><head><meta charset="utf-8"><title>` + e(m.Title) + `</title><style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328}table{border-collapse:collapse;margin:1rem 0}
td,th{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left;font-size:.85rem;vertical-align:top}th{background:#f6f8fa}
.failed{background:#ffebe9;color:#cf222e;font-weight:600}.passed{color:#1a7f37}.skipped{color:#9a6700}</style></head><body>
<h1>` + e(m.Title) + `</h1><table><tr><th></th>`)
	for _, l := range m.Legs {
		b.WriteString("<th>" + e(l.Version) + "</th>")
	}
	b.WriteString("</tr>")
	row := func(name string, f func(Leg, Summary) string) {
		b.WriteString("<tr><th>" + e(name) + "</th>")
		for i, l := range m.Legs {
			b.WriteString("<td>" + e(f(l, m.Sums[i])) + "</td>")
		}
		b.WriteString("</tr>")
	}
	row("result", func(_ Leg, s Summary) string {
		return fmt.Sprintf("%d passed, %d failed, %d skipped", s.Passed, s.Failed, s.Skipped)
	})
	row("server", func(_ Leg, s Summary) string { return s.Cluster.ServerVersion })
	row("node image", func(_ Leg, s Summary) string { return s.Cluster.NodeImage })
	for _, k := range m.timeKeys() {
		row(k, func(l Leg, _ Summary) string { return orDash(l.Times[k]) })
	}
	for _, k := range m.factKeys() {
		row(k, func(l Leg, _ Summary) string {
			for i := range m.Legs {
				if m.Legs[i].Version == l.Version {
					return orDash(fact(m.facts(i, l), k))
				}
			}
			return "–"
		})
	}
	b.WriteString("</table><h2>Specs</h2><table><tr><th>spec</th>")
	for _, l := range m.Legs {
		b.WriteString("<th>" + e(l.Version) + "</th>")
	}
	b.WriteString("</tr>")
	for _, r := range m.Rows {
		b.WriteString("<tr><td>" + e(r.Spec) + "</td>")
		for _, c := range r.Cells {
			s := word[c.State]
			if c.Cause != "" {
				s += ": " + c.Cause
			}
			fmt.Fprintf(&b, `<td class="%s">%s</td>`, c.State, e(s))
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table></body></html>\n")
	return b.String()
}

// facts are leg i's facts: what the suite read of the cluster (its report
// header and token entries), then what the script recorded beside the run.
func (m Matrix) facts(i int, l Leg) []string {
	var out []string
	for _, f := range m.Sums[i].Cluster.Facts {
		out = append(out, f[0]+": "+f[1])
	}
	return append(append(out, m.Sums[i].Facts...), l.Facts...)
}

func (m Matrix) joinIndexed(f func(int, Leg) string) string {
	var cells []string
	for i, l := range m.Legs {
		cells = append(cells, mdCell(f(i, l)))
	}
	return strings.Join(cells, " | ")
}

func (m Matrix) join(f func(Leg, Summary) string) string {
	var cells []string
	for i, l := range m.Legs {
		cells = append(cells, mdCell(f(l, m.Sums[i])))
	}
	return strings.Join(cells, " | ")
}

// timeKeys and factKeys list the names any leg has, in first-seen order.
func (m Matrix) timeKeys() []string {
	var keys []string
	for _, k := range []string{"images (cold)", "images (warm)", "make e2e (cold)", "make e2e (warm)"} {
		for _, l := range m.Legs {
			if l.Times[k] != "" {
				keys = append(keys, k)
				break
			}
		}
	}
	return keys
}

func (m Matrix) factKeys() []string {
	seen := map[string]bool{}
	var keys []string
	for i, l := range m.Legs {
		for _, f := range m.facts(i, l) {
			k, _, _ := strings.Cut(f, ": ")
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	return keys
}

func fact(facts []string, key string) string {
	for _, f := range facts {
		if k, v, ok := strings.Cut(f, ": "); ok && k == key {
			return v
		}
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ").Replace(s)
}
