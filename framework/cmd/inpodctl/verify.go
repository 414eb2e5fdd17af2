package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/inpod/inpod/framework/access"
	"github.com/inpod/inpod/framework/intent"
)

// verify is `inpodctl verify -f FILE [--methods curl,go]`: the intent file is
// checked first (one line naming file, line and field when it is wrong), then
// the verify suite proves it against the current cluster with Ginkgo.
func verify(args []string) int {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	file := fs.String("f", "", "intent file (apiVersion "+intent.APIVersion+")")
	methods := fs.String("methods", "", "clients to use, comma-separated (default: curl,python,go,kubectl)")
	check := fs.Bool("check", false, "only check the file and the clients, run nothing")
	reports := fs.String("report-dir", envOr("REPORT_DIR", "reports"), "where junit.xml and report.json go")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *file == "" {
		fmt.Fprintln(os.Stderr, "inpodctl verify: -f FILE is required")
		return 2
	}
	f, err := intent.Load(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "inpodctl verify:", err)
		return 2
	}
	var names []string
	for _, m := range access.Methods {
		names = append(names, m.Name())
	}
	if *methods != "" {
		for _, m := range strings.Split(*methods, ",") {
			if !slices.Contains(names, strings.TrimSpace(m)) {
				fmt.Fprintf(os.Stderr, "inpodctl verify: --methods: %q is not one of %s\n", m, strings.Join(names, ", "))
				return 2
			}
		}
	}
	cells := 0
	for _, a := range f.Accounts {
		cells += len(a.Allow) + len(a.Deny)
	}
	perCell := len(names) + 1
	if *methods != "" {
		perCell = len(strings.Split(*methods, ",")) + 1
	}
	say("verify: %s: %d ServiceAccounts, %d requests, %d checks (each client and a SubjectAccessReview)", *file, len(f.Accounts), cells, cells*perCell)
	if *check {
		return 0
	}
	abs, err := filepath.Abs(*file)
	if err != nil {
		fmt.Fprintln(os.Stderr, "inpodctl verify:", err)
		return 2
	}
	ginkgo := envOr("GINKGO", "ginkgo")
	cmd := exec.Command(ginkgo, "run", "--junit-report=junit.xml", "--json-report=report.json", "--output-dir="+*reports,
		"--poll-progress-after=2m", "./suites/verify")
	cmd.Env = append(os.Environ(), "INPOD_INTENT="+abs, "INPOD_METHODS="+*methods)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		fmt.Fprintln(os.Stderr, "inpodctl verify:", err)
		return 1
	}
	return 0
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
