package report

import (
	"fmt"
	"sort"
	"strings"

	"github.com/inpod/inpod/framework/config"
)

// IntentEntry is the report entry of one intent cell (make verify).
const IntentEntry = "intent"

// IntentCell is one (ServiceAccount, request, client) of an intent file: what
// was intended, what came back, and, when they differ, why.
type IntentCell struct {
	ServiceAccount string `json:"sa"`
	Request        string `json:"request"`
	Client         string `json:"client"` // curl, python, go, kubectl, or sar
	Want           string `json:"want"`   // allow or deny
	Got            string `json:"got"`    // e.g. "201", "403 Forbidden", "SAR allowed"
	// Answer is what the authorizer said, for drift: AnswerAllow, AnswerDeny,
	// or "" when the cell was not sent or had no answer.
	Answer string `json:"answer,omitempty"`
	OK     bool   `json:"ok"`
	Cause  string `json:"cause,omitempty"`
	// Happened is the whole observation (access.Happened), e.g. where kubectl's
	// status was read.
	Happened string `json:"happened,omitempty"`
}

// The answers of an intent cell (IntentCell.Answer).
const (
	AnswerAllow = "allow"
	AnswerDeny  = "deny"
)

// IntentRow is one (ServiceAccount, request) across clients.
type IntentRow struct {
	ServiceAccount, Request, Want string
	ByClient                      map[string]IntentCell
	Mismatch                      bool
	Cause                         string
}

// IntentClients are the intent matrix's columns.
var IntentClients = append(append([]string{}, config.Methods...), "sar")

func intentRows(cells []IntentCell) []IntentRow {
	rows := map[string]*IntentRow{}
	var order []string
	for _, c := range cells {
		k := c.ServiceAccount + "\x00" + c.Request + "\x00" + c.Want
		r, ok := rows[k]
		if !ok {
			r = &IntentRow{ServiceAccount: c.ServiceAccount, Request: c.Request, Want: c.Want, ByClient: map[string]IntentCell{}}
			rows[k] = r
			order = append(order, k)
		}
		r.ByClient[c.Client] = c
		if !c.OK {
			r.Mismatch = true
			if r.Cause == "" {
				r.Cause = c.Cause
			}
		}
	}
	out := make([]IntentRow, 0, len(order))
	for _, k := range order {
		out = append(out, *rows[k])
	}
	// mismatches first; then by account and by resource, so a long intent
	// (a controller's list and watch of forty kinds) reads kind by kind
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		switch {
		case a.Mismatch != b.Mismatch:
			return a.Mismatch
		case a.ServiceAccount != b.ServiceAccount:
			return a.ServiceAccount < b.ServiceAccount
		}
		return requestResource(a.Request) < requestResource(b.Request)
	})
	return out
}

// requestResource is the resource a row's request names ("pods/log.group"
// of "get pods/log.group NAME (in NS)").
func requestResource(req string) string {
	if f := strings.Fields(req); len(f) > 1 {
		return f[1]
	}
	return req
}

// intentMarkdown is the intent matrix, mismatches first.
func intentMarkdown(rows []IntentRow) string {
	if len(rows) == 0 {
		return ""
	}
	var b strings.Builder
	bad := 0
	for _, r := range rows {
		if r.Mismatch {
			bad++
		}
	}
	fmt.Fprintf(&b, "## Intended access vs what the cluster does (%d of %d requests differ)\n\n", bad, len(rows))
	b.WriteString("| | ServiceAccount | request | intended | " + strings.Join(IntentClients, " | ") + " | cause |\n|" + strings.Repeat("---|", len(IntentClients)+5) + "\n")
	for _, r := range rows {
		m := "✅"
		if r.Mismatch {
			m = "❌"
		}
		row := fmt.Sprintf("| %s | %s | %s | %s", m, r.ServiceAccount, r.Request, r.Want)
		for _, c := range IntentClients {
			cell, ok := r.ByClient[c]
			switch {
			case !ok:
				row += " | –"
			case !cell.OK:
				row += " | ❗ " + cell.Got
			default:
				row += " | " + cell.Got
			}
		}
		b.WriteString(row + " | " + strings.ReplaceAll(r.Cause, "|", "\\|") + " |\n")
	}
	return b.String() + "\n"
}
