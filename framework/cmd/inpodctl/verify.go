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
	if err := checkMethods(*methods); err != nil {
		fmt.Fprintln(os.Stderr, "inpodctl verify: --methods:", err)
		return 2
	}
	cells := 0
	for _, a := range f.Accounts {
		cells += len(a.Allow) + len(a.Deny)
	}
	perCell := len(access.Methods) + 1
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

// checkMethods refuses a comma-separated list naming a client that is not one
// of the four.
func checkMethods(list string) error {
	if list == "" {
		return nil
	}
	var names []string
	for _, m := range access.Methods {
		names = append(names, m.Name())
	}
	for _, m := range strings.Split(list, ",") {
		if !slices.Contains(names, strings.TrimSpace(m)) {
			return fmt.Errorf("%q is not one of %s", m, strings.Join(names, ", "))
		}
	}
	return nil
}
