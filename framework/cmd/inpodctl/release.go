package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/incluster"
)

// releaseManifestCommand is `inpodctl release-manifest --version V --suite REF
// --results REF --probe METHOD=REF... [-o FILE]`: manifests/job as one file with
// every image by digest (the release asset inpod-job.yaml).
func releaseManifestCommand() *cobra.Command {
	in := incluster.ReleaseInput{ProbeImages: map[string]string{}}
	var out string
	var probes []string
	c := &cobra.Command{Use: "release-manifest", Short: "Write the release asset inpod-job.yaml (or, with --schedule, inpod-cronjob.yaml): manifests/job with every image by digest", Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			for _, v := range probes {
				m, ref, ok := strings.Cut(v, "=")
				if !ok || !isMethod(m) {
					return usageError{fmt.Errorf("release-manifest: --probe %q is not METHOD=REF with METHOD one of %s", v, strings.Join(config.Methods, ", "))}
				}
				in.ProbeImages[m] = ref
			}
			if in.Version == "" || in.SuiteImage == "" || in.ResultsImage == "" || len(in.ProbeImages) != len(config.Methods) {
				return usageError{fmt.Errorf("release-manifest: --version, --suite, --results and a --probe for each of %s are required", strings.Join(config.Methods, ", "))}
			}
			data, err := incluster.ReleaseManifest(in)
			if err != nil {
				return fmt.Errorf("release-manifest: %w", err)
			}
			if out == "-" {
				_, err = os.Stdout.Write(data)
			} else {
				err = os.WriteFile(out, data, 0o644)
			}
			return err
		}}
	c.Flags().StringVarP(&out, "output", "o", "-", "file to write (- = stdout)")
	c.Flags().StringVar(&in.Version, "version", "", "release version, e.g. v0.3.0")
	c.Flags().StringVar(&in.Schedule, "schedule", "", "a cron schedule: write the CronJob form (inpod-cronjob.yaml) instead of the Job")
	c.Flags().StringVar(&in.SuiteImage, "suite", "", "suite image by digest")
	c.Flags().StringVar(&in.ResultsImage, "results", "", "results (kubectl) image by digest")
	c.Flags().StringArrayVar(&probes, "probe", nil, "METHOD=REF: a probe image by digest (repeat per method)")
	return c
}

func isMethod(m string) bool {
	for _, x := range config.Methods {
		if x == m {
			return true
		}
	}
	return false
}
