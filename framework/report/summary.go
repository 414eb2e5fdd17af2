package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/lines"
)

// Report entry names the suite writes and the summary reads.
const (
	AccessEntry  = "access"
	ClusterEntry = "cluster"
	// DiagnosisEntry is the run's one-line connectivity diagnosis, when a spec
	// failed for want of an answer from the API server.
	DiagnosisEntry = "diagnosis"
	// ClusterConfigEntry is a refusal by the cluster's own configuration
	// (admission, a policy) that kept specs from running; NotRunPrefix starts
	// the skip message of each spec it kept from running.
	ClusterConfigEntry = "cluster-configuration"
	// ProbeTokenEntry says how a verified account's probe pods got its token
	// when not by the ServiceAccount's own automount.
	ProbeTokenEntry = "probe-token"
	NotRunPrefix    = "not run: "
)

// Access is one request made from inside a pod, as the summary's matrix shows it.
type Access struct {
	ServiceAccount string `json:"sa"`
	Method         string `json:"method"`
	Request        string `json:"request"`
	Code           int    `json:"code"`
	Cell           string `json:"cell"` // access.Outcome.Cell: "200", "no answer", "not observed"
	Happened       string `json:"happened"`
}

// Cluster describes the run's cluster for the summary's header.
type Cluster struct {
	Name, Provider, ServerVersion, NodeImage, Images, RunID string
	Profile                                                 string      // the kind profile asked for, "" = default
	Facts                                                   [][2]string // how the cluster is configured, as read from the API
}

// RequestLabel is "verb resource[.group]".
func RequestLabel(verb, resource, group string) string {
	if group != "" {
		resource += "." + group
	}
	return verb + " " + resource
}

// Summary is what summary.md and summary.html show.
type Summary struct {
	Cluster                 Cluster
	Passed, Failed, Skipped int
	// SuiteFailures are what failed outside any It: Ginkgo's suite-level
	// reasons (interrupted, timed out, a failed BeforeSuite…) and the
	// suite-level nodes that failed. Any of them fails the run.
	SuiteFailures []string
	suiteFailed   bool
	// ClusterConfig names, once each, what in the cluster's own configuration
	// kept specs from running; NotRun counts those specs (inside Skipped).
	ClusterConfig []string
	NotRun        int
	// ProbeTokens says, once per account, how probe pods got a token other
	// than by the ServiceAccount's automount (make verify).
	ProbeTokens []string
	Duration    time.Duration
	// Scenarios: scenario → method → state ("passed", "failed", "")
	Scenarios     map[string]map[string]string
	ScenarioOrder []string
	Others        []Row // specs outside the method containers
	Access        []AccessRow
	Facts         []string
	Failures      []Row
	Intent        []IntentRow // make verify: one row per ServiceAccount × request
	Errata        []ErratumRow
	// Drift is an in-cluster run's comparison with its last passing run
	// (DriftFile beside the report), nil when there is none.
	Drift *Drift
}

// Verdict is the run's: FAILED when a spec or the suite itself failed.
func (s Summary) Verdict() string {
	if s.Failed > 0 || s.suiteFailed || len(s.SuiteFailures) > 0 {
		return "FAILED"
	}
	if s.NotRun > 0 {
		return "INCOMPLETE"
	}
	return "PASSED"
}

// Counts is "N passed, N failed, N skipped", with the suite's own failures.
func (s Summary) Counts() string {
	c := fmt.Sprintf("%d passed, %d failed, %d skipped", s.Passed, s.Failed, s.Skipped)
	if s.NotRun > 0 {
		c += fmt.Sprintf(" (%d of them not run because of the cluster's configuration)", s.NotRun)
	}
	if n := len(s.SuiteFailures); n > 0 {
		c += fmt.Sprintf(", %d suite-level failure(s)", n)
	}
	return c
}

// Row is one spec with its state and, if red, its one-line cause.
type Row struct{ Area, Name, State, Cause string }

// AccessRow is one ServiceAccount × request across methods.
type AccessRow struct {
	ServiceAccount, Request string
	ByMethod                map[string]AccessCell
}

// AccessCell is one method's answer; Mismatch marks a red spec.
type AccessCell struct {
	Code     int
	Cell     string
	Happened string
	Mismatch bool
}

// Summarize reads Ginkgo's JSON report.
func Summarize(reports []types.Report) Summary {
	s := Summary{Scenarios: map[string]map[string]string{}}
	access := map[string]*AccessRow{}
	var accessOrder []string
	var skips []skip
	var intent []IntentCell
	for _, rep := range reports {
		s.Duration += rep.RunTime
		s.suiteFailed = s.suiteFailed || !rep.SuiteSucceeded
		s.SuiteFailures = append(s.SuiteFailures, rep.SpecialSuiteFailureReasons...)
		for _, sp := range rep.SpecReports {
			for _, e := range sp.ReportEntries {
				switch e.Name {
				case ClusterEntry:
					_ = json.Unmarshal(entryJSON(e.Value), &s.Cluster)
				case AccessEntry:
					var a Access
					if json.Unmarshal(entryJSON(e.Value), &a) != nil {
						continue
					}
					k := a.ServiceAccount + "\x00" + a.Request
					row, ok := access[k]
					if !ok {
						row = &AccessRow{ServiceAccount: a.ServiceAccount, Request: a.Request, ByMethod: map[string]AccessCell{}}
						access[k] = row
						accessOrder = append(accessOrder, k)
					}
					row.ByMethod[a.Method] = AccessCell{Code: a.Code, Cell: a.Cell, Happened: a.Happened, Mismatch: sp.State.Is(types.SpecStateFailureStates)}
				case ErratumEntry:
					var er Erratum
					if json.Unmarshal(entryJSON(e.Value), &er) == nil {
						s.Errata = append(s.Errata, ErratumRow{Erratum: er, State: stateName(sp.State)})
					}
				case IntentEntry:
					var c IntentCell
					if json.Unmarshal(entryJSON(e.Value), &c) == nil {
						intent = append(intent, c)
					}
				case ClusterConfigEntry:
					if v := e.Value.String(); !slices.Contains(s.ClusterConfig, v) {
						s.ClusterConfig = append(s.ClusterConfig, v)
					}
				case ProbeTokenEntry:
					if v := e.Value.String(); !slices.Contains(s.ProbeTokens, v) {
						s.ProbeTokens = append(s.ProbeTokens, v)
					}
				case "default-token-lifetime", "token-request-cap", "token-rotation", DiagnosisEntry:
					s.Facts = append(s.Facts, e.Name+": "+e.Value.String())
				}
			}
			if sp.LeafNodeType != types.NodeTypeIt {
				if sp.State.Is(types.SpecStateFailureStates) {
					name := strings.TrimSpace(sp.LeafNodeType.String() + " " + sp.FullText())
					s.SuiteFailures = append(s.SuiteFailures, name+": "+lines.First(sp.Failure.Message))
				}
				continue
			}
			state := stateName(sp.State)
			switch state {
			case "passed":
				s.Passed++
			case "failed":
				s.Failed++
			default:
				s.Skipped++
				skips = append(skips, skip{strings.Join(sp.ContainerHierarchyTexts, "\x00"), sp.Failure.Message})
			}
			if state == "failed" {
				s.Failures = append(s.Failures, Row{Name: sp.FullText(), State: state, Cause: lines.First(sp.Failure.Message)})
			}
			if m := methodOf(sp.Labels()); m != "" && slices.Contains(sp.Labels(), MethodTableLabel) {
				scenario := sp.LeafNodeText
				if _, ok := s.Scenarios[scenario]; !ok {
					s.Scenarios[scenario] = map[string]string{}
					s.ScenarioOrder = append(s.ScenarioOrder, scenario)
				}
				s.Scenarios[scenario][m] = state
				continue
			}
			area := ""
			if len(sp.ContainerHierarchyTexts) > 0 {
				area = sp.ContainerHierarchyTexts[0]
			}
			s.Others = append(s.Others, Row{Area: area, Name: sp.LeafNodeText, State: state})
		}
	}
	s.NotRun = notRun(skips)
	for _, k := range accessOrder {
		s.Access = append(s.Access, *access[k])
	}
	sort.SliceStable(s.Access, func(i, j int) bool { return s.Access[i].ServiceAccount < s.Access[j].ServiceAccount })
	s.Intent = intentRows(intent)
	if s.suiteFailed && s.Failed == 0 && len(s.SuiteFailures) == 0 {
		s.SuiteFailures = append(s.SuiteFailures, "Ginkgo reported the suite as failed, with no failed spec or node in its report")
	}
	return s
}

// skip is a skipped spec: its container path and Ginkgo's message.
type skip struct{ container, msg string }

// beforeAllSkip is Ginkgo's message for the specs after the first of an Ordered
// container whose BeforeAll called Skip.
const beforeAllSkip = "Spec skipped because Skip() was called in BeforeAll"

// notRun counts the specs the cluster's configuration kept from running: those
// skipped with NotRunPrefix, and the rest of their Ordered container, which
// Ginkgo skips with beforeAllSkip.
func notRun(skips []skip) int {
	stopped := map[string]bool{}
	for _, k := range skips {
		if strings.HasPrefix(k.msg, NotRunPrefix) {
			stopped[k.container] = true
		}
	}
	n := 0
	for _, k := range skips {
		if strings.HasPrefix(k.msg, NotRunPrefix) || (k.msg == beforeAllSkip && stopped[k.container]) {
			n++
		}
	}
	return n
}

// MethodTableLabel marks the specs the summary lays out as one row per scenario
// and one column per method (the guide's methods, run the same way by each).
const MethodTableLabel = "method-table"

func methodOf(labels []string) string {
	for _, l := range labels {
		if m, ok := strings.CutPrefix(l, "method:"); ok {
			return m
		}
	}
	return ""
}

func stateName(st types.SpecState) string {
	switch {
	case st == types.SpecStatePassed:
		return "passed"
	case st.Is(types.SpecStateFailureStates):
		return "failed"
	}
	return "skipped"
}

var mark = map[string]string{"passed": "✅", "failed": "❌", "skipped": "⏭", "": "–"}

// word is the HTML's mark: plain words render with any font.
var word = map[string]string{"passed": "pass", "failed": "FAIL", "skipped": "skip", "": "–"}

// Markdown renders the summary for reports/summary.md and $GITHUB_STEP_SUMMARY.
func (s Summary) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# inpod: %s — %s (%s)\n\n", s.Verdict(), s.Counts(), s.Duration.Round(time.Second))
	if len(s.SuiteFailures) > 0 {
		b.WriteString("**The suite itself failed** (not one spec; the counts above do not show it):\n\n")
		for _, f := range s.SuiteFailures {
			b.WriteString("- ❌ " + strings.ReplaceAll(f, "\n", " ") + "\n")
		}
		b.WriteString("\n")
	}
	if len(s.ClusterConfig) > 0 {
		if s.NotRun > 0 {
			fmt.Fprintf(&b, "**The cluster's own configuration kept %d specs from running** (reported as skipped, not as the guide's result):\n\n", s.NotRun)
		} else {
			b.WriteString("**The cluster's own configuration** (every spec ran despite it):\n\n")
		}
		for _, c := range s.ClusterConfig {
			b.WriteString("- ⛔ " + strings.ReplaceAll(c, "\n", " ") + "\n")
		}
		b.WriteString("\n")
	}
	c := s.Cluster
	fmt.Fprintf(&b, "| cluster | provider | Kubernetes | node image | images | run |\n|---|---|---|---|---|---|\n| %s | %s | %s | %s | %s | %s |\n\n",
		c.Name, c.Provider, c.ServerVersion, c.NodeImage, c.Images, c.RunID)
	if len(c.Facts) > 0 {
		fmt.Fprintf(&b, "Cluster profile: **%s**:\n\n| fact | value |\n|---|---|\n", profileName(c.Profile))
		for _, f := range c.Facts {
			fmt.Fprintf(&b, "| %s | %s |\n", f[0], strings.ReplaceAll(f[1], "|", "\\|"))
		}
		b.WriteString("\n")
	}
	for _, p := range s.ProbeTokens {
		b.WriteString("Probe token: " + p + "\n\n")
	}
	if s.Drift != nil {
		b.WriteString(s.Drift.Markdown())
	}
	b.WriteString(erratumMarkdown(s.Errata))
	if len(s.Failures) > 0 {
		b.WriteString("## Failures\n\n")
		for _, f := range s.Failures {
			fmt.Fprintf(&b, "- ❌ **%s** — %s\n", f.Name, f.Cause)
		}
		b.WriteString("\n")
	}
	b.WriteString(intentMarkdown(s.Intent))
	if len(s.Intent) > 0 && len(s.ScenarioOrder) == 0 && len(s.Access) == 0 {
		return b.String()
	}
	b.WriteString("## Methods × scenarios\n\n| scenario | " + strings.Join(config.Methods, " | ") + " |\n|---|---|---|---|---|\n")
	for _, sc := range s.ScenarioOrder {
		row := "| " + sc
		for _, m := range config.Methods {
			row += " | " + mark[s.Scenarios[sc][m]]
		}
		b.WriteString(row + " |\n")
	}
	b.WriteString("\n## Access matrix (from inside pods)\n\nThe HTTP status each method observed (\"no answer\": none came back; \"not observed\": the client showed none); ❗ marks a spec that went red.\n\n| ServiceAccount | request | " + strings.Join(config.Methods, " | ") + " |\n|---|---|---|---|---|---|\n")
	for _, a := range s.Access {
		row := "| " + a.ServiceAccount + " | " + a.Request
		for _, m := range config.Methods {
			cell, ok := a.ByMethod[m]
			switch {
			case !ok:
				row += " | –"
			case cell.Mismatch:
				row += fmt.Sprintf(" | ❗ %s", codeText(cell))
			default:
				row += " | " + codeText(cell)
			}
		}
		b.WriteString(row + " |\n")
	}
	if len(s.Facts) > 0 {
		b.WriteString("\n## Token facts\n\n")
		for _, f := range s.Facts {
			b.WriteString("- " + f + "\n")
		}
	}
	b.WriteString("\n## Other specs\n\n| area | spec | |\n|---|---|---|\n")
	for _, o := range s.Others {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", o.Area, o.Name, mark[o.State])
	}
	return b.String()
}

// codeText is the cell's status as the run observed it: the code, "no answer"
// or "not observed" (reports older than the Cell field show the code alone).
func codeText(c AccessCell) string {
	switch {
	case c.Cell == "not observed" || c.Cell == "no answer":
		return c.Cell
	case c.Code == 0:
		return "no answer"
	}
	return fmt.Sprintf("%d", c.Code)
}

// HTML renders the summary as a self-contained page (templates/summary.html.tmpl).
func (s Summary) HTML() string { return render("summary.html.tmpl", s) }

func profileName(p string) string {
	if p == "" {
		return "default"
	}
	return p
}

// entryJSON is a report entry's value as JSON: as report.json holds it, or,
// in the suite's own process (a ReportAfterSuite), marshalled from the value.
func entryJSON(v types.ReportEntryValue) []byte {
	if v.AsJSON != "" {
		return []byte(v.AsJSON)
	}
	data, _ := json.Marshal(v.GetRawValue())
	return data
}
