package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/inpod/inpod/framework/cluster"
	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/images"
	"github.com/inpod/inpod/framework/job"
	"github.com/inpod/inpod/framework/run"
)

// runJob runs the suites as the in-cluster Job. On kind (the default provider)
// it brings the cluster up and loads the suite image first; with
// INPOD_PROVIDER=kubeconfig it uses the cluster as it is.
func runJob(ctx context.Context, cfg *config.Config) error {
	timeout := 45 * time.Minute
	if v := os.Getenv("JOB_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("JOB_TIMEOUT: %w", err)
		}
		timeout = d
	}
	ctx, cancel := context.WithTimeout(ctx, timeout+5*time.Minute)
	defer cancel()

	if cfg.Provider == config.ProviderKind {
		cfg.KeepCluster = true
	}
	r, err := run.Setup(ctx, cfg, say)
	if err != nil {
		return err
	}
	suiteImage := images.Suite(r.Images.Mode, os.Getenv("SUITE_IMAGE"))
	if cfg.Provider == config.ProviderKind {
		in, err := run.KindInput(cfg, r.Images, say)
		if err != nil {
			return err
		}
		if !cluster.ImagePresent(ctx, suiteImage) {
			return fmt.Errorf("suite image %s is not in the local Docker engine; `make job` builds or pulls it", suiteImage)
		}
		if err := cluster.LoadImages(ctx, in, suiteImage); err != nil {
			return err
		}
	}
	env := map[string]string{"IMAGES": string(r.Images.Mode), "INPOD_POD_TIMEOUT": cfg.PodStartTimeout.String()}
	for _, m := range config.ImageMethods {
		env[strings.ToUpper(m)+"_IMAGE"] = r.Images.Refs[m]
	}
	code, err := job.Run(ctx, job.Input{
		Proxy:            r.Proxy,
		SuiteImage:       suiteImage,
		ResultsImage:     r.Images.Refs["kubectl"],
		Env:              env,
		LabelFilter:      os.Getenv("LABELS"),
		RunID:            "job-" + r.ID,
		ReportDir:        cfg.ReportDir,
		Timeout:          timeout,
		RemovePermission: os.Getenv("JOB_REMOVE_PERMISSION"),
		Log:              say,
	})
	if err != nil {
		return err
	}
	if code != 0 {
		return fmt.Errorf("the suite failed in the cluster (exit %d); see %s/junit.xml", code, cfg.ReportDir)
	}
	return nil
}
