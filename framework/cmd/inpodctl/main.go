// Command inpodctl brings the run's cluster up or down outside a suite run, with
// the same framework code the suites use: `inpodctl up` (create or reuse, load
// images, keep), `inpodctl down` (delete), `inpodctl images` (the resolved set),
// `inpodctl decide` (prints the set IMAGES=auto picks, before anything is built),
// `inpodctl pull [job]` (pulls or builds the published set's missing images; with
// job, the suite image too), `inpodctl job` (the in-cluster Job), `inpodctl
// sonobuoy` (the suite as a Sonobuoy plugin), `inpodctl manifests`
// (manifests/job/workspaces.yaml), `inpodctl cleanup [--run-id ID]` (deletes
// what earlier, killed runs labelled), `inpodctl leftovers` (lists it), `inpodctl
// load REF...` (loads local images into the kind cluster: bench's upstream images),
// `inpodctl standins` (checks the built stand-ins against manifests/images/stand-ins.yaml),
// `inpodctl release-manifest` (the release asset inpod-job.yaml, images by digest).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/inpod/inpod/framework/cluster"
	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/images"
	"github.com/inpod/inpod/framework/job"
	"github.com/inpod/inpod/framework/run"
)

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "verify" {
		os.Exit(verify(os.Args[2:]))
	}
	if len(os.Args) >= 2 && os.Args[1] == "release-manifest" {
		os.Exit(releaseManifest(os.Args[2:]))
	}
	if len(os.Args) < 2 || (os.Args[1] != "cleanup" && os.Args[1] != "load" && (len(os.Args) > 3 || (len(os.Args) == 3 && (os.Args[1] != "pull" || os.Args[2] != "job")))) {
		fmt.Fprintln(os.Stderr, "usage: inpodctl up | down | images | decide | pull [job] | job | sonobuoy | manifests | cleanup [--run-id ID] | leftovers | load REF... | standins | release-manifest -version V -suite REF -results REF -probe M=REF... | verify -f FILE [-methods m,...]")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := do(ctx, os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "inpodctl:", err)
		os.Exit(1)
	}
}

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, "inpodctl: "+format+"\n", args...) }

func do(ctx context.Context, verb string) error {
	cfg, err := config.FromEnvironment()
	if err != nil {
		return err
	}
	switch verb {
	case "images":
		set := run.ResolveImages(ctx, cfg)
		say("%s", set.Reason)
		for _, m := range append(slices.Clone(config.Methods), "node") {
			fmt.Printf("%s\t%s\n", m, set.Refs[m])
		}
		return nil
	case "decide":
		set := run.ResolveImages(ctx, cfg)
		say("%s", set.Reason)
		fmt.Println(set.Mode)
		return nil
	case "pull":
		set := run.ResolveImages(ctx, cfg)
		say("%s", set.Reason)
		suite := ""
		if len(os.Args) == 3 {
			suite = images.Suite(set.Mode, os.Getenv("SUITE_IMAGE"))
		}
		return run.PullImages(ctx, cfg, set, suite, say)
	case "up":
		cfg.KeepCluster = true
		ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
		defer cancel()
		r, err := run.Setup(ctx, cfg, say)
		if err != nil {
			return err
		}
		say("%s; kubeconfig %s", r.Describe(), r.Proxy.KubeconfigPath())
		return nil
	case "cleanup":
		return cleanup(ctx, cfg, os.Args[2:])
	case "leftovers":
		return leftovers(ctx, cfg)
	case "job":
		return runJob(ctx, cfg)
	case "sonobuoy":
		return runSonobuoy(ctx, cfg)
	case "manifests":
		data, err := job.WorkspaceYAML()
		if err != nil {
			return err
		}
		_, err = os.Stdout.Write(data)
		return err
	case "load":
		in, err := run.KindInput(cfg, run.ResolveImages(ctx, cfg), say)
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
		return cluster.LoadImages(ctx, in, os.Args[2:]...)
	case "standins":
		return checkStandIns(ctx)
	case "down":
		in, err := run.KindInput(cfg, run.ResolveImages(ctx, cfg), say)
		if err != nil {
			return err
		}
		return cluster.DeleteKind(in.Name, in.Kubeconfig, say)
	}
	return fmt.Errorf("unknown command %q (want up, down, images, decide, pull, job, sonobuoy, manifests, cleanup, leftovers, load or standins)", verb)
}
