package incluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/inpod/inpod/manifests"
)

// SonobuoyInput says how to run the suite as a Sonobuoy plugin.
type SonobuoyInput struct {
	Input                // the Job's settings (the Job itself is not created)
	Sonobuoy      string // the sonobuoy binary
	SonobuoyImage string // aggregator and worker image
	Kubeconfig    string
}

// SonobuoyNamespace is where Sonobuoy runs: the plugin pod must be in the
// runner's namespace to run as the runner's ServiceAccount.
const SonobuoyNamespace = Namespace

// RunSonobuoy applies manifests/job but its Job, runs manifests/sonobuoy/inpod.yaml
// with `sonobuoy run --wait` (aggregator in namespaceAdmin mode), retrieves the
// results, prints `sonobuoy results` and checks its counts against the JUnit in
// the tarball. It deletes everything (`sonobuoy delete --wait`, then
// manifests/job's objects) when it returns, also after Ctrl-C.
func RunSonobuoy(ctx context.Context, in SonobuoyInput) error {
	in.SystemPodSecurity = "baseline"
	a := &applied{in: in.Input}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Minute)
		defer cancel()
		if err := in.sonobuoy(cctx, nil, "delete", "--wait"); err != nil {
			in.Log("cleanup: sonobuoy delete: %v", err)
		}
		a.cleanup(cctx)
	}()
	if err := a.apply(ctx); err != nil {
		return err
	}
	plugin, err := in.plugin()
	if err != nil {
		return err
	}
	start := time.Now()
	err = in.sonobuoy(ctx, nil, "run", "--plugin", plugin, "--aggregator-permissions", "namespaceAdmin",
		"--skip-preflight=existingnamespace", "--sonobuoy-image", in.SonobuoyImage, "--image-pull-policy", "IfNotPresent",
		"--timeout", strconv.Itoa(int(in.Timeout.Seconds())), "--wait")
	if err != nil {
		return fmt.Errorf("sonobuoy run: %w", err)
	}
	in.Log("sonobuoy: the run finished after %s", time.Since(start).Round(time.Second))
	dir := filepath.Join(in.ReportDir, "sonobuoy")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var out strings.Builder
	if err := in.sonobuoy(ctx, &out, "retrieve", dir, "--filename", "inpod-sonobuoy.tar.gz"); err != nil {
		return fmt.Errorf("sonobuoy retrieve: %w", err)
	}
	tarball := filepath.Join(dir, "inpod-sonobuoy.tar.gz")
	out.Reset()
	if err := in.sonobuoy(ctx, &out, "results", tarball); err != nil {
		return fmt.Errorf("sonobuoy results: %w", err)
	}
	fmt.Print(out.String())
	return compareCounts(out.String(), tarball, in.Log)
}

// plugin writes manifests/sonobuoy/inpod.yaml with the run's suite image, label
// filter and environment, and returns its path.
func (in SonobuoyInput) plugin() (string, error) {
	data, err := manifests.FS.ReadFile("sonobuoy/inpod.yaml")
	if err != nil {
		return "", err
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return "", fmt.Errorf("manifests/sonobuoy/inpod.yaml: %w", err)
	}
	spec, ok := m["spec"].(map[string]any)
	if !ok {
		return "", errors.New("manifests/sonobuoy/inpod.yaml has no spec")
	}
	spec["image"] = in.SuiteImage
	if in.LabelFilter != "" {
		spec["args"] = []any{"--ginkgo.label-filter=" + in.LabelFilter, "--ginkgo.no-color", "--ginkgo.timeout=40m"}
	}
	env, _ := spec["env"].([]any)
	set := map[string]string{"INPOD_RUN_ID": in.RunID}
	for k, v := range in.Env {
		set[k] = v
	}
	for i, e := range env {
		if em, ok := e.(map[string]any); ok {
			if v, ok := set[fmt.Sprint(em["name"])]; ok {
				env[i] = map[string]any{"name": em["name"], "value": v}
				delete(set, fmt.Sprint(em["name"]))
			}
		}
	}
	for k, v := range set {
		env = append(env, map[string]any{"name": k, "value": v})
	}
	spec["env"] = env
	out, err := yaml.Marshal(m)
	if err != nil {
		return "", err
	}
	path := filepath.Join(in.ReportDir, "sonobuoy-inpod.yaml")
	return path, os.WriteFile(path, out, 0o644)
}

func (in SonobuoyInput) sonobuoy(ctx context.Context, stdout *strings.Builder, args ...string) error {
	if args[0] != "results" { // it reads only the tarball
		args = append(args, "--namespace", SonobuoyNamespace)
	}
	in.Log("$ sonobuoy %s", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, in.Sonobuoy, args...)
	if in.Kubeconfig != "" { // a KUBECONFIG list: --kubeconfig takes one file only
		cmd.Env = append(os.Environ(), "KUBECONFIG="+in.Kubeconfig)
	}
	cmd.Stderr = os.Stderr
	cmd.Stdout = os.Stderr
	if stdout != nil {
		cmd.Stdout = stdout
	}
	return cmd.Run()
}

var countLine = regexp.MustCompile(`(?m)^(Total|Passed|Failed|Skipped): (\d+)$`)

// compareCounts checks `sonobuoy results` against the JUnit it was made from.
func compareCounts(results, tarball string, log func(string, ...any)) error {
	junit, err := junitFromTarball(tarball)
	if err != nil {
		return err
	}
	want, err := countJUnit(junit)
	if err != nil {
		return err
	}
	return compareCountsOf(results, want, log)
}

func compareCountsOf(results string, want map[string]int, log func(string, ...any)) error {
	got := map[string]int{}
	for _, m := range countLine.FindAllStringSubmatch(results, -1) {
		got[m[1]], _ = strconv.Atoi(m[2])
	}
	for _, k := range []string{"Total", "Passed", "Failed", "Skipped"} {
		if got[k] != want[k] {
			return fmt.Errorf("sonobuoy results says %s: %d, the suite's JUnit in the tarball %d", k, got[k], want[k])
		}
	}
	log("sonobuoy: its counts equal the suite's JUnit: %d total, %d passed, %d failed, %d skipped",
		want["Total"], want["Passed"], want["Failed"], want["Skipped"])
	if want["Failed"] > 0 {
		return fmt.Errorf("sonobuoy: %d inpod case(s) failed", want["Failed"])
	}
	return nil
}
