package report

// Drift: what changed in a cluster's access since its last good run. Each
// in-cluster run compares itself with the newest passing entry of the same
// selection in the history, before it adds its own.

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DriftFile is the drift of a run beside its report.json (REPORT_DIR), read by
// cmd/report into summary.md.
const DriftFile = "drift.json"

// MaxEventMessage bounds an AccessDrift Event's message (events.k8s.io's note
// limit is 1 KiB).
const MaxEventMessage = 1024

// Change is one cell whose answer changed.
type Change struct {
	// Subject is the account and request ("shop/storefront list configmaps
	// (in shop)"), or the spec's full text.
	Subject string `json:"subject"`
	Client  string `json:"client,omitempty"` // curl, python, go, kubectl, sar; "" for a spec
	// From and To are the cell's states then and now ("deny: 403 Forbidden").
	From string `json:"from"`
	To   string `json:"to"`
	// Cause is the cell's cause now (the binding that now grants it, or why
	// it is refused); for a reverted cell, the cause it had in the run that
	// found it flipped.
	Cause string `json:"cause,omitempty"`
}

// FactChange is a cluster fact that changed.
type FactChange struct{ Name, From, To string }

// Drift is a run against its baseline.
type Drift struct {
	Run string `json:"run"` // the entry compared
	// Since is the baseline: the newest passing entry of the same selection
	// before Run; "" when the history holds none.
	Since        string `json:"since,omitempty"`
	SinceStarted string `json:"sinceStarted,omitempty"`
	// Flipped are the cells whose answer differs from Since's.
	Flipped []Change `json:"flipped,omitempty"`
	// Previous is the entry just before Run when it is not Since (a run that
	// failed); Reverted are the cells it had flipped that are back to Since's.
	Previous string       `json:"previous,omitempty"`
	Reverted []Change     `json:"reverted,omitempty"`
	Facts    []FactChange `json:"facts,omitempty"`
}

// Drifted reports flipped cells or changed facts.
func (d Drift) Drifted() bool { return len(d.Flipped) > 0 || len(d.Facts) > 0 }

// CompareHistory is e's drift against the entries before it (any order).
func CompareHistory(e HistoryEntry, history []HistoryEntry) Drift {
	d := Drift{Run: e.Name}
	var base, prev *HistoryEntry
	for i := range history {
		h := &history[i]
		if h.Name >= e.Name || h.Selection != e.Selection {
			continue
		}
		if prev == nil || h.Name > prev.Name {
			prev = h
		}
		if h.Verdict == "passed" && (base == nil || h.Name > base.Name) {
			base = h
		}
	}
	if base == nil {
		return d
	}
	d.Since, d.SinceStarted = base.Name, base.Started
	d.Flipped = changes(*base, e, func(k string) string { return e.Causes[k] })
	if prev != nil && prev.Name != base.Name {
		d.Previous = prev.Name
		for _, c := range changes(*prev, e, func(k string) string { return prev.Causes[k] }) {
			if CellAnswer(c.To) == CellAnswer(base.Cells[c.key()]) {
				d.Reverted = append(d.Reverted, c)
			}
		}
	}
	if base.KubernetesVersion != e.KubernetesVersion && base.KubernetesVersion != "" && e.KubernetesVersion != "" {
		d.Facts = append(d.Facts, FactChange{"Kubernetes version", base.KubernetesVersion, e.KubernetesVersion})
	}
	for _, n := range DriftFacts {
		if was, ok := base.Facts[n]; ok && e.Facts[n] != "" && was != e.Facts[n] {
			d.Facts = append(d.Facts, FactChange{n, was, e.Facts[n]})
		}
	}
	return d
}

// changes are the cells in both whose answer class differs; cells either
// lacks (another label filter, a truncated entry) are not compared.
func changes(from, to HistoryEntry, cause func(key string) string) []Change {
	var out []Change
	for _, k := range slices.Sorted(maps.Keys(to.Cells)) {
		was, ok := from.Cells[k]
		now := to.Cells[k]
		a, b := CellAnswer(was), CellAnswer(now)
		if !ok || a == "" || b == "" || a == b {
			continue
		}
		c := Change{From: was, To: now, Cause: cause(k)}
		c.Subject, c.Client = splitKey(k)
		out = append(out, c)
	}
	return out
}

// splitKey is a cell key's subject and client.
func splitKey(k string) (subject, client string) {
	if rest, ok := strings.CutPrefix(k, "intent\t"); ok {
		f := strings.Split(rest, "\t")
		if len(f) == 3 {
			return f[0] + " " + f[1], f[2]
		}
	}
	return strings.TrimPrefix(k, "spec\t"), ""
}

func (c Change) key() string {
	if c.Client == "" {
		return "spec\t" + c.Subject
	}
	sa, req, _ := strings.Cut(c.Subject, " ")
	return "intent\t" + sa + "\t" + req + "\t" + c.Client
}

// group is changes of one subject, direction and cause, with their clients.
type group struct {
	Subject, From, To, Cause string
	Clients                  []string
}

func grouped(cs []Change) []group {
	var out []group
	for _, c := range cs {
		from, to := CellAnswer(c.From), CellAnswer(c.To)
		i := slices.IndexFunc(out, func(g group) bool { return g.Subject == c.Subject && g.From == from && g.To == to })
		if i < 0 {
			out = append(out, group{Subject: c.Subject, From: from, To: to})
			i = len(out) - 1
		}
		if c.Client != "" {
			out[i].Clients = append(out[i].Clients, c.Client)
		}
		if out[i].Cause == "" || c.Client == "sar" && c.Cause != "" {
			out[i].Cause = c.Cause
		}
	}
	return out
}

func (g group) line() string {
	s := g.Subject + ": " + g.From + " → " + g.To
	if len(g.Clients) > 0 {
		s += " (" + strings.Join(g.Clients, ", ") + ")"
	}
	if g.Cause != "" {
		s += " — " + g.Cause
	}
	return s
}

// Lines are the drift, one line per changed request (its clients together),
// per reverted request and per fact.
func (d Drift) Lines() []string {
	var out []string
	for _, g := range grouped(d.Flipped) {
		out = append(out, "flipped: "+g.line())
	}
	for _, g := range grouped(d.Reverted) {
		if g.Cause != "" {
			g.Cause = "in " + d.Previous + ": " + g.Cause
		}
		out = append(out, "reverted: "+g.line())
	}
	for _, f := range d.Facts {
		out = append(out, fmt.Sprintf("fact: %s: %s → %s", f.Name, f.From, f.To))
	}
	return out
}

// Headline is the drift in one sentence.
func (d Drift) Headline() string {
	if d.Since == "" {
		return "no earlier passing run of this selection in the history: nothing to compare with"
	}
	s := fmt.Sprintf("no change since %s (started %s)", d.Since, d.SinceStarted)
	if d.Drifted() {
		s = fmt.Sprintf("changed since %s (started %s): %d cells flipped, %d cluster facts changed", d.Since, d.SinceStarted, len(d.Flipped), len(d.Facts))
	}
	if len(d.Reverted) > 0 {
		s += fmt.Sprintf("; the %d cells %s had flipped are back", len(d.Reverted), d.Previous)
	}
	return s
}

// Text is the drift as the results ConfigMap's "drift": the headline, then
// its lines.
func (d Drift) Text() string {
	return strings.Join(append([]string{d.Headline()}, d.Lines()...), "\n")
}

// EventMessage is the drift for an Event, at most MaxEventMessage bytes.
func (d Drift) EventMessage() string {
	msg := d.Headline()
	for i, l := range d.Lines() {
		more := fmt.Sprintf("; …and %d more (kubectl get configmap -n inpod-system inpod-results -o jsonpath='{.data.drift}')", len(d.Lines())-i)
		if len(msg)+2+len(l)+len(more) > MaxEventMessage {
			return msg + more
		}
		msg += "; " + l
	}
	return msg
}

// Markdown is the drift as a summary section; "" when there is no baseline.
func (d Drift) Markdown() string {
	if d.Since == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Drift: " + d.Headline() + "\n\n")
	for _, l := range d.Lines() {
		b.WriteString("- " + strings.ReplaceAll(l, "\n", " ") + "\n")
	}
	if len(d.Lines()) > 0 {
		b.WriteString("\n")
	}
	return b.String()
}

// WriteDrift leaves d beside the run's report (DriftFile).
func WriteDrift(dir string, d Drift) error {
	data, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, DriftFile), data, 0o644)
}

// ReadDrift is the drift beside a report, nil when there is none.
func ReadDrift(dir string) (*Drift, error) {
	data, err := os.ReadFile(filepath.Join(dir, DriftFile))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var d Drift
	if err := json.Unmarshal(data, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, DriftFile), err)
	}
	return &d, nil
}
