package report

import (
	"embed"
	"html/template"
	"strings"
	"time"

	"github.com/inpod/inpod/framework/config"
)

// templates are the HTML pages, sharing one head (templates/page.html.tmpl)
// and one stylesheet; html/template escapes every value.
//
//go:embed templates
var templates embed.FS

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"css":           func() template.CSS { return template.CSS(mustRead("templates/style.css")) },
	"methods":       func() []string { return config.Methods },
	"intentClients": func() []string { return IntentClients },
	"word":          func(state string) string { return word[state] },
	"code":          codeText,
	// cell and intentCell are nil for a column the row has no cell in (index
	// would give a zero cell, which with/if take for a real one).
	"cell":       func(m map[string]AccessCell, k string) *AccessCell { return ptr(m, k) },
	"intentCell": func(m map[string]IntentCell, k string) *IntentCell { return ptr(m, k) },
	"profile":    profileName,
	"duration":   func(d time.Duration) string { return d.Round(time.Second).String() },
}).ParseFS(templates, "templates/*.tmpl"))

func ptr[V any](m map[string]V, k string) *V {
	if v, ok := m[k]; ok {
		return &v
	}
	return nil
}

func mustRead(name string) string {
	b, err := templates.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// render executes one page; the data are the project's own types, so a failure
// is a bug in a template, which the golden tests catch.
func render(name string, data any) string {
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, name, data); err != nil {
		panic("report: " + name + ": " + err.Error())
	}
	return b.String()
}
