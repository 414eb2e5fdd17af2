package report

import (
	"fmt"
	"regexp"
	"strings"
)

// ErratumEntry names the report entry of a spec labelled "erratum": a step of the
// guide that fails as written, with what the run saw.
const ErratumEntry = "erratum"

// ErratumLabel marks the specs that prove a guide step fails exactly as stated:
// they pass while it fails so, and go red when the step starts working.
const ErratumLabel = "erratum"

// Erratum is one of the guide's steps that does not work as written.
type Erratum struct {
	Section   string `json:"section"`   // where in the guide, e.g. "Method 2"
	Step      string `json:"step"`      // the guide's step, as written
	Image     string `json:"image"`     // the image it ran in
	Evidence  string `json:"evidence"`  // what the run saw, verbatim
	Corrected string `json:"corrected"` // the step a reader can paste instead
	Proof     string `json:"proof"`     // what the corrected step showed
}

// ErratumRow is an erratum with the state of the spec that recorded it: a red
// spec means the guide's step no longer fails as stated.
type ErratumRow struct {
	Erratum
	State string
}

func erratumMarkdown(rows []ErratumRow) string {
	if len(rows) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("## Guide errata\n\nSteps of the guide that fail as written, seen in this run, and what to paste instead.\n\n")
	for _, r := range rows {
		status := "fails as the erratum states"
		if r.State != "passed" {
			status = "**the erratum's spec is " + r.State + "**: see Failures"
		}
		fmt.Fprintf(&b, "- **%s**, in `%s` (%s)\n  - the guide's step: `%s`\n  - seen: `%s`\n  - paste instead: `%s`\n", r.Section, r.Image, status, oneLine(r.Step), oneLine(r.Evidence), oneLine(r.Corrected))
		if r.Proof != "" {
			fmt.Fprintf(&b, "  - the corrected step gave: %s\n", oneLine(r.Proof))
		}
	}
	return b.String() + "\n"
}

// oneLine joins a step's continued lines (a backslash-newline and the next
// line's indentation become one space) and keeps backquotes out of the Markdown
// code span; spaces inside a line are the step's own and stay.
func oneLine(s string) string {
	s = continuation.ReplaceAllString(strings.TrimSpace(s), " ")
	s = strings.ReplaceAll(s, "\n", "; ")
	return strings.ReplaceAll(s, "`", "'")
}

var continuation = regexp.MustCompile(`[ \t]*\\\n[ \t]*`)
