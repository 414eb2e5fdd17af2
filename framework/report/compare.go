package report

import (
	"fmt"
	"html"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// Column is one run in a comparison: a cluster profile or a Kubernetes version.
type Column struct {
	Name    string
	Reports []types.Report
}

// Comparison is one row per spec, one column per run.
type Comparison struct {
	Title   string
	Columns []string
	Headers []Summary // each column's summary (cluster facts, counts)
	Rows    []CompareRow
}

// CompareRow is one spec across the runs; a cell is "passed", "failed: cause",
// "skipped: reason" or "" (not run there).
type CompareRow struct {
	Spec  string
	Cells []string
}

// Compare lines up the specs of several runs.
func Compare(title string, cols []Column) Comparison {
	c := Comparison{Title: title}
	index := map[string]int{}
	for i, col := range cols {
		c.Columns = append(c.Columns, col.Name)
		c.Headers = append(c.Headers, Summarize(col.Reports))
		for _, rep := range col.Reports {
			for _, sp := range rep.SpecReports {
				if sp.LeafNodeType != types.NodeTypeIt {
					continue
				}
				k, ok := index[sp.FullText()]
				if !ok {
					k = len(c.Rows)
					index[sp.FullText()] = k
					c.Rows = append(c.Rows, CompareRow{Spec: sp.FullText(), Cells: make([]string, len(cols))})
				}
				c.Rows[k].Cells[i] = cell(sp)
			}
		}
	}
	return c
}

func cell(sp types.SpecReport) string {
	state := stateName(sp.State)
	switch {
	case state == "failed":
		return "failed: " + firstLine(sp.Failure.Message)
	case state != "passed" && sp.Failure.Message != "":
		return state + ": " + firstLine(sp.Failure.Message)
	}
	return state
}

// Failed counts the red cells.
func (c Comparison) Failed() int {
	n := 0
	for _, r := range c.Rows {
		for _, x := range r.Cells {
			if strings.HasPrefix(x, "failed") {
				n++
			}
		}
	}
	return n
}

// Markdown renders the comparison.
func (c Comparison) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n| run | Kubernetes | passed | failed | skipped | time |\n|---|---|---|---|---|---|\n", c.Title)
	for i, h := range c.Headers {
		fmt.Fprintf(&b, "| %s | %s | %d | %d | %d | %s |\n", c.Columns[i], h.Cluster.ServerVersion, h.Passed, h.Failed, h.Skipped, h.Duration.Round(1e9))
	}
	for i, h := range c.Headers {
		if len(h.Cluster.Facts) == 0 && len(h.Facts) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n**%s**: ", c.Columns[i])
		var parts []string
		for _, f := range h.Cluster.Facts {
			parts = append(parts, f[0]+": "+f[1])
		}
		b.WriteString(strings.Join(append(parts, h.Facts...), "; ") + "\n")
	}
	b.WriteString("\n| spec | " + strings.Join(c.Columns, " | ") + " |\n|---" + strings.Repeat("|---", len(c.Columns)) + "|\n")
	for _, r := range c.Rows {
		cells := make([]string, len(r.Cells))
		for i, x := range r.Cells {
			if x == "" {
				x = "–"
			}
			cells[i] = strings.ReplaceAll(x, "|", "\\|")
		}
		fmt.Fprintf(&b, "| %s | %s |\n", strings.ReplaceAll(r.Spec, "|", "\\|"), strings.Join(cells, " | "))
	}
	return b.String()
}

// HTML renders the comparison as one page.
func (c Comparison) HTML() string {
	e := html.EscapeString
	var b strings.Builder
	b.WriteString(`<!doctype html><meta charset="utf-8"><title>` + e(c.Title) + `</title><style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}td,th{border:1px solid #d0d7de;padding:.3rem .6rem;font-size:.85rem;text-align:left}.failed{background:#ffebe9;color:#cf222e}.skipped{color:#9a6700}.passed{color:#1a7f37}</style>`)
	fmt.Fprintf(&b, "<h1>%s</h1><table><tr><th>spec</th>", e(c.Title))
	for _, col := range c.Columns {
		b.WriteString("<th>" + e(col) + "</th>")
	}
	b.WriteString("</tr>")
	for _, r := range c.Rows {
		b.WriteString("<tr><td>" + e(r.Spec) + "</td>")
		for _, x := range r.Cells {
			class, _, _ := strings.Cut(x, ":")
			b.WriteString(`<td class="` + e(class) + `">` + e(x) + "</td>")
		}
		b.WriteString("</tr>")
	}
	b.WriteString("</table>")
	return b.String()
}
