package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

const repo = "../.."

// Every variable is read through config (Env, Load): no os.Getenv or
// os.LookupEnv elsewhere, and every Env("NAME") names a listed variable.
func TestEveryVariableIsReadThroughConfig(t *testing.T) {
	known := map[string]bool{}
	for _, v := range Variables() {
		if known[v.Name] {
			t.Errorf("%s is listed twice", v.Name)
		}
		known[v.Name] = true
	}
	err := filepath.WalkDir(repo, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata" || d.Name() == "reports") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasPrefix(path, filepath.Join(repo, "framework", "config")) {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, _ := sel.X.(*ast.Ident)
			switch {
			case pkg != nil && pkg.Name == "os" && (sel.Sel.Name == "Getenv" || sel.Sel.Name == "LookupEnv"):
				if !strings.HasSuffix(path, "_test.go") {
					t.Errorf("%s: os.%s; read variables with config.Env", path, sel.Sel.Name)
				}
			case pkg != nil && pkg.Name == "config" && (sel.Sel.Name == "Env" || sel.Sel.Name == "EnvOr") && len(call.Args) > 0:
				if lit, ok := call.Args[0].(*ast.BasicLit); ok {
					if name, _ := strconv.Unquote(lit.Value); !known[name] {
						t.Errorf("%s: config.%s(%q) is not in config.Variables", path, sel.Sel.Name, name)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// docs/configuration.md documents every variable, and only those.
func TestConfigurationDocIsTheList(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(repo, "docs", "configuration.md"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, v := range Variables() {
		known[v.Name] = true
		if !strings.Contains(string(doc), "`"+v.Name+"`") {
			t.Errorf("docs/configuration.md does not document %s", v.Name)
		}
	}
	row := regexp.MustCompile("(?m)^\\| `([A-Z][A-Z0-9_]+)`")
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		if !known[m[1]] {
			t.Errorf("docs/configuration.md documents %s, which config.Variables does not list", m[1])
		}
	}
}

func TestEnvRefusesAnUnlistedName(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Env of an unlisted name must panic")
		}
	}()
	Env("NOT_A_VARIABLE")
}
