package report

import (
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

// HeaderRow is one line of the matrix's head: a name and one value per leg.
type HeaderRow struct {
	Name   string
	Values []string
}

// Header is the matrix's head, for Markdown and HTML alike: result, server, node
// image, the times measured beside the run, then every fact any leg has.
func (m Matrix) Header() []HeaderRow {
	per := func(name string, f func(i int, l Leg) string) HeaderRow {
		r := HeaderRow{Name: name}
		for i, l := range m.Legs {
			r.Values = append(r.Values, f(i, l))
		}
		return r
	}
	rows := []HeaderRow{
		per("result", func(i int, _ Leg) string { return m.Sums[i].Counts() }),
		per("server", func(i int, _ Leg) string { return m.Sums[i].Cluster.ServerVersion }),
		per("node image", func(i int, _ Leg) string { return m.Sums[i].Cluster.NodeImage }),
	}
	for _, k := range m.timeKeys() {
		rows = append(rows, per(k, func(_ int, l Leg) string { return orDash(l.Times[k]) }))
	}
	for _, k := range m.factKeys() {
		rows = append(rows, per(k, func(i int, l Leg) string { return orDash(fact(m.facts(i, l), k)) }))
	}
	return rows
}

// Markdown renders reports/matrix.md.
func (m Matrix) Markdown() string {
	var b strings.Builder
	versions := make([]string, len(m.Legs))
	for i, l := range m.Legs {
		versions[i] = mdCell(l.Version)
	}
	b.WriteString("# " + m.Title + "\n\n")
	b.WriteString("| | " + strings.Join(versions, " | ") + " |\n")
	b.WriteString("|---|" + strings.Repeat("---|", len(m.Legs)) + "\n")
	for _, h := range m.Header() {
		cells := make([]string, len(h.Values))
		for i, v := range h.Values {
			if h.Name == "node image" {
				v = "`" + v + "`"
			}
			cells[i] = mdCell(v)
		}
		b.WriteString("| " + h.Name + " | " + strings.Join(cells, " | ") + " |\n")
	}
	b.WriteString("\n## Specs\n\n| spec | " + strings.Join(versions, " | ") + " |\n")
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

// HTML renders reports/matrix.html (templates/matrix.html.tmpl).
func (m Matrix) HTML() string { return render("matrix.html.tmpl", m) }

// facts are leg i's facts: what the suite read of the cluster (its report
// header and token entries), then what the script recorded beside the run.
func (m Matrix) facts(i int, l Leg) []string {
	var out []string
	for _, f := range m.Sums[i].Cluster.Facts {
		out = append(out, f[0]+": "+f[1])
	}
	return append(append(out, m.Sums[i].Facts...), l.Facts...)
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
