// Command inpodctl is the project's CLI (cobra): it brings the run's cluster up
// or down outside a suite run with the same framework code the suites use, runs
// the suites in a cluster (job, sonobuoy), proves an intent file (verify),
// writes the release asset, and prints every setting (env). `inpodctl help`
// lists the commands; `inpodctl COMMAND --help` says what each takes.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/images"
	"github.com/inpod/inpod/framework/incluster"
	"github.com/inpod/inpod/framework/provider"
	"github.com/inpod/inpod/framework/run"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := rootCommand()
	err := root.ExecuteContext(ctx)
	if ec, ok := err.(exitCode); ok {
		os.Exit(int(ec)) // the child said why
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "inpodctl:", err)
		if _, usage := err.(usageError); usage || strings.HasPrefix(err.Error(), "unknown command") {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError is bad input: exit status 2, as a usage error.
type usageError struct{ error }

// exitCode passes a child's exit status on (verify: Ginkgo's).
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, "inpodctl: "+format+"\n", args...) }

func rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "inpodctl",
		Short:         "inpod's cluster, Job, verify and release tooling (settings come from the environment: inpodctl env)",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.CompletionOptions.DisableDefaultCmd = true
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(
		withConfig("up", "Create (or reuse) the kind cluster, load the images it needs, keep it", cobra.NoArgs, up),
		withConfig("down", "Delete the kind cluster", cobra.NoArgs, down),
		withConfig("images", "Print the resolved image set (method, reference)", cobra.NoArgs, printImages),
		withConfig("decide", "Print the image set IMAGES=auto picks, before anything is built", cobra.NoArgs, decide),
		withConfig("pull [job]", "Pull or build the published set's missing images (job: the suite image too)", cobra.MatchAll(cobra.MaximumNArgs(1), cobra.OnlyValidArgs), pull, "job"),
		withConfig("job", "Run the suite (or INTENT's verify suite) as the in-cluster Job under the confined runner", cobra.NoArgs, func(ctx context.Context, cfg *config.Config, _ []string) error { return runJob(ctx, cfg) }),
		withConfig("sonobuoy", "Run the suite as a Sonobuoy plugin under the confined runner", cobra.NoArgs, func(ctx context.Context, cfg *config.Config, _ []string) error { return runSonobuoy(ctx, cfg) }),
		withConfig("leftovers", "List what earlier runs labelled and left (kubectl -o name style)", cobra.NoArgs, func(ctx context.Context, cfg *config.Config, _ []string) error { return leftovers(ctx, cfg) }),
		withConfig("load REF...", "Load local images into the kind cluster", cobra.MinimumNArgs(1), load),
		cleanupCommand(),
		verifyCommand(),
		intentCommand(),
		historyCommand(),
		driftCommand(),
		releaseManifestCommand(),
		buildImageCommand(),
		standInBaseCommand(),
		&cobra.Command{Use: "manifests", Short: "Print manifests/job/workspaces.yaml as the suite's purposes make it", Args: cobra.NoArgs,
			RunE: func(*cobra.Command, []string) error {
				data, err := incluster.WorkspaceYAML()
				if err == nil {
					_, err = os.Stdout.Write(data)
				}
				return err
			}},
		withConfig("standins", "Check the built stand-ins against manifests/images/stand-ins.yaml", cobra.NoArgs,
			func(ctx context.Context, cfg *config.Config, _ []string) error {
				return checkStandIns(ctx, cfg.K8sVersion)
			}),
		&cobra.Command{Use: "env", Short: "Print every environment variable inpod reads, its value here and what it does", Args: cobra.NoArgs,
			RunE: func(*cobra.Command, []string) error { _, err := fmt.Print(config.EnvTable()); return err }},
	)
	for _, c := range root.Commands() {
		c.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
		if c.Args != nil {
			args := c.Args
			c.Args = func(cmd *cobra.Command, a []string) error {
				if err := args(cmd, a); err != nil {
					return usageError{fmt.Errorf("%s: %w (usage: inpodctl %s)", cmd.Name(), err, cmd.Use)}
				}
				return nil
			}
		}
	}
	return root
}

// withConfig is a command whose settings come from the environment (config).
func withConfig(use, short string, args cobra.PositionalArgs, run func(context.Context, *config.Config, []string) error, valid ...string) *cobra.Command {
	return &cobra.Command{Use: use, Short: short, Args: args, ValidArgs: valid,
		RunE: func(c *cobra.Command, a []string) error {
			cfg, err := config.FromEnvironment()
			if err != nil {
				return usageError{err}
			}
			return run(c.Context(), cfg, a)
		}}
}

func up(ctx context.Context, cfg *config.Config, _ []string) error {
	cfg.KeepCluster = true
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	r, err := run.Setup(ctx, cfg, say)
	if err != nil {
		return err
	}
	say("%s; kubeconfig %s", r.Describe(), r.Proxy.KubeconfigPath())
	return nil
}

func down(ctx context.Context, cfg *config.Config, _ []string) error {
	in, err := run.KindInput(cfg, run.ResolveImages(ctx, cfg), say)
	if err != nil {
		return err
	}
	return provider.DeleteKind(in.Name, in.Kubeconfig, say)
}

func printImages(ctx context.Context, cfg *config.Config, _ []string) error {
	set := run.ResolveImages(ctx, cfg)
	say("%s", set.Reason)
	for _, m := range append(slices.Clone(config.Methods), "node") {
		fmt.Printf("%s\t%s\n", m, set.Refs[m])
	}
	return nil
}

func decide(ctx context.Context, cfg *config.Config, _ []string) error {
	set := run.ResolveImages(ctx, cfg)
	say("%s", set.Reason)
	fmt.Println(set.Mode)
	return nil
}

func pull(ctx context.Context, cfg *config.Config, args []string) error {
	set := run.ResolveImages(ctx, cfg)
	say("%s", set.Reason)
	suite := ""
	if len(args) == 1 {
		suite = images.Suite(set.Mode, config.Env("SUITE_IMAGE"))
	}
	return run.PullImages(ctx, cfg, set, suite, say)
}

func load(ctx context.Context, cfg *config.Config, refs []string) error {
	in, err := run.KindInput(cfg, run.ResolveImages(ctx, cfg), say)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	return provider.LoadImages(ctx, in, refs...)
}
