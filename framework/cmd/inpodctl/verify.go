package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/inpod/inpod/framework/config"
	"github.com/spf13/cobra"

	"github.com/inpod/inpod/framework/access"
	"github.com/inpod/inpod/framework/intent"
)

// verifyCommand is `inpodctl verify -f FILE [--methods curl,go] [--check]`: the
// intent file is checked first (one line naming file, line and field when it is
// wrong), then the verify suite proves it against the current cluster with
// Ginkgo, whose exit status inpodctl passes on.
func verifyCommand() *cobra.Command {
	var file, methods, reports string
	var check bool
	c := &cobra.Command{Use: "verify -f FILE", Short: "Prove an intent file from inside pods against the current cluster", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error { return verify(file, methods, reports, check) }}
	c.Flags().StringVarP(&file, "file", "f", "", "intent file (apiVersion "+intent.APIVersion+")")
	c.Flags().StringVar(&methods, "methods", "", "clients to use, comma-separated (default: curl,python,go,kubectl)")
	c.Flags().BoolVar(&check, "check", false, "only check the file and the clients, run nothing")
	c.Flags().StringVar(&reports, "report-dir", config.EnvOr("REPORT_DIR", "reports"), "where junit.xml and report.json go")
	return c
}

func verify(file, methods, reports string, check bool) error {
	if file == "" {
		return usageError{fmt.Errorf("verify: -f FILE is required")}
	}
	f, err := intent.Load(file)
	if err != nil {
		return usageError{fmt.Errorf("verify: %w", err)}
	}
	if err := checkMethods(methods); err != nil {
		return usageError{fmt.Errorf("verify: --methods: %w", err)}
	}
	cells := 0
	for _, a := range f.Accounts {
		cells += len(a.Allow) + len(a.Deny)
	}
	perCell := len(access.Methods) + 1
	if methods != "" {
		perCell = len(strings.Split(methods, ",")) + 1
	}
	say("verify: %s: %d ServiceAccounts, %d requests, %d checks (each client and a SubjectAccessReview)", file, len(f.Accounts), cells, cells*perCell)
	if check {
		return nil
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	cmd := exec.Command(config.EnvOr("GINKGO", "ginkgo"), "run", "--junit-report=junit.xml", "--json-report=report.json", "--output-dir="+reports,
		"--poll-progress-after=2m", "./suites/verify")
	cmd.Env = append(os.Environ(), "INPOD_INTENT="+abs, "INPOD_METHODS="+methods)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return exitCode(ee.ExitCode())
		}
		return fmt.Errorf("verify: %w", err)
	}
	return nil
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
