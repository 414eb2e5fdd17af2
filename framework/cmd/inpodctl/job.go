package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/images"
	"github.com/inpod/inpod/framework/incluster"
	"github.com/inpod/inpod/framework/intent"
	"github.com/inpod/inpod/framework/provider"
	"github.com/inpod/inpod/framework/run"
)

// jobTimeout is JOB_TIMEOUT (default 45m).
func jobTimeout() (time.Duration, error) {
	v := config.Env("JOB_TIMEOUT")
	if v == "" {
		return 45 * time.Minute, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("JOB_TIMEOUT: %w", err)
	}
	return d, nil
}

// jobInput prepares the cluster for an in-cluster run. On kind (the default
// provider) it brings the cluster up and loads the suite image (unless the node
// pulls it: provider.KindInput.ToLoad) and extra, images built here; with
// INPOD_PROVIDER=kubeconfig it uses the cluster as it is.
func jobInput(ctx context.Context, cfg *config.Config, timeout time.Duration, extra ...string) (incluster.Input, *run.Run, error) {
	if cfg.Provider == config.ProviderKind {
		cfg.KeepCluster = true
	}
	r, err := run.Setup(ctx, cfg, say)
	if err != nil {
		return incluster.Input{}, nil, err
	}
	suiteImage := images.Suite(r.Images.Mode, config.Env("SUITE_IMAGE"))
	if cfg.Provider == config.ProviderKind {
		in, err := run.KindInput(cfg, r.Images, say)
		if err != nil {
			return incluster.Input{}, nil, err
		}
		in.Built = append(in.Built, extra...) // built here (the Sonobuoy image): no registry holds them
		load, err := in.ToLoad(ctx, append([]string{suiteImage}, extra...)...)
		if err != nil {
			return incluster.Input{}, nil, fmt.Errorf("%w (`make job` builds or pulls the suite image)", err)
		}
		if err := provider.LoadImages(ctx, in, load...); err != nil {
			return incluster.Input{}, nil, err
		}
	}
	env := map[string]string{"IMAGES": string(r.Images.Mode), "INPOD_POD_TIMEOUT": cfg.PodStartTimeout.String()}
	for _, m := range config.Methods {
		env[strings.ToUpper(m)+"_IMAGE"] = r.Images.Refs[m]
	}
	return incluster.Input{
		Proxy:            r.Proxy,
		SuiteImage:       suiteImage,
		ResultsImage:     r.Images.Refs["kubectl"],
		Env:              env,
		LabelFilter:      config.Env("LABELS"),
		RunID:            "job-" + r.ID,
		ReportDir:        cfg.ReportDir,
		Timeout:          timeout,
		RemovePermission: config.Env("JOB_REMOVE_PERMISSION"),
		ExcessWarnOnly:   cfg.Preflight == "warn",
		Log:              say,
	}, r, nil
}

// runJob runs the suites as the in-cluster Job.
func runJob(ctx context.Context, cfg *config.Config) error {
	timeout, err := jobTimeout()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Minute)
	defer cancel()
	verify, err := jobIntent()
	if err != nil {
		return err
	}
	in, _, err := jobInput(ctx, cfg, timeout)
	if err != nil {
		return err
	}
	in.Intent = verify
	code, err := incluster.Run(ctx, in)
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("the suite failed in the cluster (exit %d); see %s/junit.xml", code, cfg.ReportDir)
	}
	return nil
}

// jobIntent is INTENT (an intent file the Job verifies instead of running the
// guide's suite) with METHODS, checked before anything touches the cluster.
func jobIntent() (*incluster.IntentInput, error) {
	path := config.Env("INTENT")
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("INTENT: %w", err)
	}
	f, err := intent.Parse(path, data)
	if err != nil {
		return nil, err
	}
	if err := checkMethods(config.Env("METHODS")); err != nil {
		return nil, fmt.Errorf("METHODS: %w", err)
	}
	in := &incluster.IntentInput{File: f, Data: data, Methods: config.Env("METHODS")}
	if err := in.Check(); err != nil {
		return nil, err
	}
	say("job: verifying %s (%d ServiceAccounts in %s) instead of the guide's suite", path, len(f.Accounts), strings.Join(in.Namespaces(), ", "))
	return in, nil
}

// runSonobuoy runs the suites as a Sonobuoy plugin under the confined runner.
func runSonobuoy(ctx context.Context, cfg *config.Config) error {
	timeout, err := jobTimeout()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Minute)
	defer cancel()
	image := config.EnvOr("SONOBUOY_IMAGE", "inpod/sonobuoy:v0.57.5")
	bin := config.EnvOr("SONOBUOY", filepath.Join(config.CacheDir(), "tools", "sonobuoy"))
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("sonobuoy binary %s: %w (build it with `make images`)", bin, err)
	}
	in, r, err := jobInput(ctx, cfg, timeout, image)
	if err != nil {
		return err
	}
	in.RunID = "sonobuoy-" + r.ID
	return incluster.RunSonobuoy(ctx, incluster.SonobuoyInput{Input: in, Sonobuoy: bin, SonobuoyImage: image, Kubeconfig: r.Proxy.KubeconfigPath()})
}
