package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/job"
)

// releaseManifest is `inpodctl release-manifest -version V -suite REF -results
// REF -probe METHOD=REF... [-o FILE]`: manifests/job as one file with every
// image by digest (the release asset inpod-job.yaml).
func releaseManifest(args []string) int {
	fs := flag.NewFlagSet("release-manifest", flag.ContinueOnError)
	fs.SetOutput(os.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: inpodctl release-manifest -version V -suite REF -results REF -probe METHOD=REF... [-o FILE]")
	}
	in := job.ReleaseInput{ProbeImages: map[string]string{}}
	out := fs.String("o", "-", "file to write (- = stdout)")
	fs.StringVar(&in.Version, "version", "", "release version, e.g. v0.3.0")
	fs.StringVar(&in.SuiteImage, "suite", "", "suite image by digest")
	fs.StringVar(&in.ResultsImage, "results", "", "results (kubectl) image by digest")
	fs.Func("probe", "METHOD=REF: a probe image by digest (repeat per method)", func(v string) error {
		m, ref, ok := strings.Cut(v, "=")
		if !ok || !isMethod(m) {
			return fmt.Errorf("%q is not METHOD=REF with METHOD one of %s", v, strings.Join(config.Methods, ", "))
		}
		in.ProbeImages[m] = ref
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if in.Version == "" || in.SuiteImage == "" || in.ResultsImage == "" || len(in.ProbeImages) != len(config.Methods) {
		fmt.Fprintf(os.Stderr, "inpodctl release-manifest: -version, -suite, -results and a -probe for each of %s are required\n", strings.Join(config.Methods, ", "))
		return 2
	}
	data, err := job.ReleaseManifest(in)
	if err != nil {
		fmt.Fprintln(os.Stderr, "inpodctl release-manifest:", err)
		return 1
	}
	if *out == "-" {
		_, err = os.Stdout.Write(data)
	} else {
		err = os.WriteFile(*out, data, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "inpodctl release-manifest:", err)
		return 1
	}
	return 0
}

func isMethod(m string) bool {
	for _, x := range config.Methods {
		if x == m {
			return true
		}
	}
	return false
}
