// Command selftest proves the suite catches broken clusters. Labels are the
// contract: each spec carries the guard labels of the properties it checks, and
// each fault of framework/faults.Registry names the guard labels whose specs must
// go red. For each label filter in use it first runs a clean baseline (no fault:
// every spec of the filter must pass); then, per fault, it breaks the cluster or
// the run's objects, runs the same filter, and reads Ginkgo's JSON report:
//
//   - every guarding spec (in the filter, carrying one of the fault's guard
//     labels, or seen so in the baseline) must be red, its failure message
//     containing one of the fault's cause phrases; a guarding spec that passed, was
//     skipped, pending, or is missing from the report counts as missed;
//   - every other spec of the run must pass.
//
// It prints the table (fault | labels | guarding specs | red | missed | verdict),
// which label areas the caught faults cover, and writes REPORT_DIR/selftest.md.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/lines"
)

// spec is one It of a run, as the JSON report shows it.
type spec struct {
	name   string
	labels []string
	state  types.SpecState
	msg    string
}

// run is the specs a ginkgo run selected with its label filter.
type run struct {
	filter   string
	specs    map[string]spec
	order    []string
	err      error
	duration time.Duration
}

func (r run) green() (bool, []string) {
	var bad []string
	for _, n := range r.order {
		if s := r.specs[n]; s.state != types.SpecStatePassed {
			bad = append(bad, fmt.Sprintf("%s [%s]: %s", n, s.state, lines.First(s.msg)))
		}
	}
	return r.err == nil && len(r.order) > 0 && len(bad) == 0, bad
}

type result struct {
	fault    faults.Fault
	baseline *run
	guarding []string
	red      []string
	missed   []string // name [state]
	also     []string // other specs not green
	uncaused []string
	err      error
}

func (r result) caught() bool {
	ok, _ := r.baseline.green()
	return ok && r.err == nil && len(r.guarding) > 0 && len(r.red) == len(r.guarding) &&
		len(r.missed) == 0 && len(r.also) == 0 && len(r.uncaused) == 0
}

// areas are the label areas at least one caught fault must cover: a red spec of
// that fault carries all of an area's labels.
var areas = []struct {
	name   string
	labels []string
}{
	{"automount", []string{"automount"}},
	{"namespace-reader", []string{faults.GuardNamespaceReader}},
	{"deployment-manager", []string{faults.GuardDeploymentManager}},
	{"allowed path: curl", []string{"method:curl", faults.GuardPodReaderBinding}},
	{"allowed path: python", []string{"method:python", faults.GuardPodReaderBinding}},
	{"allowed path: go", []string{"method:go", faults.GuardPodReaderBinding}},
	{"allowed path: kubectl", []string{"method:kubectl", faults.GuardPodReaderBinding}},
	{"troubleshooting", []string{"troubleshooting"}},
	{"projected-token", []string{"projected-token"}},
	{"rbac", []string{"rbac"}},
	{"smoke", []string{"smoke"}},
	{"slow", []string{"slow"}},
}

func main() {
	ctx := context.Background()
	reportDir := envOr("REPORT_DIR", "reports")
	ginkgo := envOr("GINKGO", "ginkgo")
	labels := os.Getenv("LABELS")
	withSlow := strings.Contains(labels, "slow") && !strings.Contains(labels, "!slow")
	kubeconfig := os.Getenv("INPOD_SELFTEST_KUBECONFIG")
	if kubeconfig == "" {
		fail("INPOD_SELFTEST_KUBECONFIG is not set (make selftest sets it to the kind cluster's kubeconfig)")
	}
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		fail("kubeconfig " + kubeconfig + ": " + err.Error())
	}
	cs := kubernetes.NewForConfigOrDie(rc)
	only := os.Getenv("SELFTEST_ONLY")
	out := filepath.Join(reportDir, "selftest")
	_ = os.MkdirAll(out, 0o755)

	var selected []faults.Fault
	var notRun []string
	for _, f := range faults.Registry {
		switch {
		case only != "" && !strings.Contains(","+only+",", ","+f.Name+","):
			continue
		case f.Profile != "" && os.Getenv("INPOD_PROFILE") != f.Profile:
			notRun = append(notRun, fmt.Sprintf("%s: needs a cluster of profile %s (make selftest PROFILE=%s SELFTEST_ONLY=%s)", f.Name, f.Profile, f.Profile, f.Name))
		case f.Slow && !withSlow:
			notRun = append(notRun, fmt.Sprintf("%s: guards slow specs; runs only when LABELS includes slow (make selftest LABELS=slow)", f.Name))
		case !f.Enabled():
			notRun = append(notRun, fmt.Sprintf("%s: test-only; runs only with %s=1", f.Name, f.EnvVar))
		default:
			selected = append(selected, f)
		}
	}
	for _, n := range notRun {
		fmt.Fprintln(os.Stderr, "selftest: not run:", n)
	}

	bin := precompile(ginkgo, out)
	baselines := map[string]*run{}
	var results []result
	for _, f := range selected {
		b, ok := baselines[f.Filter]
		if !ok {
			fmt.Fprintf(os.Stderr, "selftest: baseline, no fault (labels %q)\n", f.Filter)
			r := runSuite(ctx, ginkgo, bin, out, "baseline-"+slug(f.Filter), f.Filter, "")
			b = &r
			baselines[f.Filter] = b
			okB, bad := b.green()
			fmt.Fprintf(os.Stderr, "selftest: baseline %q: %d specs, green %v %v\n", f.Filter, len(b.order), okB, bad)
		}
		fmt.Fprintf(os.Stderr, "selftest: %s (labels %q, guards %v)\n", f.Name, f.Filter, f.Guards)
		res := runFault(ctx, cs, ginkgo, bin, out, f, b)
		fmt.Fprintf(os.Stderr, "selftest: %s: %d guarding, %d red, %d missed, %d other not green, caught %v\n",
			f.Name, len(res.guarding), len(res.red), len(res.missed), len(res.also), res.caught())
		results = append(results, res)
		// Written after each fault, so an interrupted self-test leaves what it found.
		_ = os.WriteFile(filepath.Join(reportDir, "selftest.md"), []byte(render(results, baselines, notRun, withSlow)), 0o644)
	}
	table := render(results, baselines, notRun, withSlow)
	fmt.Print(table)
	_ = os.WriteFile(filepath.Join(reportDir, "selftest.md"), []byte(table), 0o644)
	code := 0
	for _, r := range results {
		// A test-only fault exists to show a miss: it must be reported NOT caught.
		if r.caught() == (r.fault.EnvVar != "") {
			code = 1
		}
	}
	os.Exit(code)
}

// precompile builds the suite once (ginkgo build) so each run does not relink
// it; on failure every run compiles the package itself.
func precompile(ginkgo, out string) string {
	dir, _ := filepath.Abs(filepath.Join(out, "bin"))
	_ = os.MkdirAll(dir, 0o755)
	bin := filepath.Join(dir, "inpod.test")
	_ = os.Remove(bin)
	cmd := exec.Command(ginkgo, "build", "-o", bin, "./suites/inpod")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "selftest: ginkgo build: %v; compiling for each run\n", err)
		return ""
	}
	if _, err := os.Stat(bin); err != nil {
		fmt.Fprintf(os.Stderr, "selftest: ginkgo build left no %s; compiling for each run\n", bin)
		return ""
	}
	return bin
}

func runSuite(ctx context.Context, ginkgo, bin, out, name, filter, inject string) run {
	r := run{filter: filter, specs: map[string]spec{}}
	match, err := types.ParseLabelFilter(filter)
	if err != nil {
		r.err = fmt.Errorf("label filter %q: %w", filter, err)
		return r
	}
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "INPOD_INJECT=") && !strings.HasPrefix(e, "REPORT_DIR=") {
			env = append(env, e)
		}
	}
	dir, _ := filepath.Abs(filepath.Join(out, name))
	_ = os.RemoveAll(dir)
	_ = os.MkdirAll(dir, 0o755)
	env = append(env, "KEEP_CLUSTER=1", "INPOD_POD_TIMEOUT="+envOr("INPOD_POD_TIMEOUT", "90s"), "REPORT_DIR="+dir)
	if inject != "" {
		env = append(env, "INPOD_INJECT="+inject)
	}
	target := "./suites/inpod"
	if bin != "" {
		target = bin
	}
	cmd := exec.CommandContext(ctx, ginkgo, "run", "--label-filter="+filter, "--json-report=report.json",
		"--output-dir="+dir, "--silence-skips", "--timeout=40m", "--procs="+envOr("SELFTEST_PROCS", "1"), target)
	cmd.Env = env
	log, _ := os.Create(filepath.Join(dir, "ginkgo.log"))
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	_ = cmd.Run() // red is the point of a fault run; the report says what failed
	r.duration = time.Since(start)
	_ = log.Close()
	raw, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil {
		r.err = fmt.Errorf("no JSON report (see %s): %w", filepath.Join(dir, "ginkgo.log"), err)
		return r
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil {
		r.err = err
		return r
	}
	for _, rep := range reports {
		for _, s := range rep.SpecReports {
			if s.LeafNodeType != types.NodeTypeIt || !match(s.Labels()) {
				continue
			}
			n := s.FullText()
			if _, dup := r.specs[n]; !dup {
				r.order = append(r.order, n)
			}
			r.specs[n] = spec{name: n, labels: s.Labels(), state: s.State, msg: s.Failure.Message}
		}
	}
	return r
}

func runFault(ctx context.Context, cs kubernetes.Interface, ginkgo, bin, out string, f faults.Fault, base *run) result {
	res := result{fault: f, baseline: base}
	inject := f.Name
	if f.Cluster {
		inject = ""
		brk, ok := clusterFaults[f.Name]
		if !ok {
			res.err = fmt.Errorf("no way to break the cluster for %s", f.Name)
			return res
		}
		undo, err := brk(ctx, cs)
		if err != nil {
			res.err = err
			return res
		}
		defer func() {
			if err := undo(); err != nil {
				fmt.Fprintf(os.Stderr, "selftest: undoing %s: %v\n", f.Name, err)
			}
		}()
	}
	r := runSuite(ctx, ginkgo, bin, out, f.Name, f.Filter, inject)
	if r.err != nil {
		res.err = r.err
		return res
	}
	// The guarding specs: those carrying one of the fault's labels, in this run
	// or in the baseline (a spec that vanished from the report is missed too).
	guarding := map[string]bool{}
	for _, src := range []*run{base, &r} {
		for _, n := range src.order {
			if hasAny(src.specs[n].labels, f.Guards) {
				guarding[n] = true
			}
		}
	}
	for _, n := range append(append([]string(nil), base.order...), r.order...) {
		if !guarding[n] || slices.Contains(res.guarding, n) {
			continue
		}
		res.guarding = append(res.guarding, n)
		s, ok := r.specs[n]
		switch {
		case !ok:
			res.missed = append(res.missed, n+" [not in the report]")
		case s.state.Is(types.SpecStateFailureStates):
			res.red = append(res.red, n)
			if !mentions(s.msg, f.Causes) {
				res.uncaused = append(res.uncaused, n+": "+lines.First(s.msg))
			}
		default:
			res.missed = append(res.missed, fmt.Sprintf("%s [%s]", n, s.state))
		}
	}
	for _, n := range r.order {
		if s := r.specs[n]; !guarding[n] && s.state != types.SpecStatePassed {
			res.also = append(res.also, fmt.Sprintf("%s [%s]: %s", n, s.state, lines.First(s.msg)))
		}
	}
	return res
}

func hasAny(labels, want []string) bool {
	for _, w := range want {
		if slices.Contains(labels, w) {
			return true
		}
	}
	return false
}

// mentions says whether msg contains one of the cause phrases, as written or
// JSON-escaped (a program's raw output quotes the API's Status as JSON).
func mentions(msg string, causes []string) bool {
	for _, c := range causes {
		if strings.Contains(msg, c) || strings.Contains(msg, strings.ReplaceAll(c, `"`, `\"`)) {
			return true
		}
	}
	return false
}

// clusterFaults break the cluster itself; each returns how to undo it.
var clusterFaults = map[string]func(context.Context, kubernetes.Interface) (func() error, error){
	faults.ClusterDNSDown: func(ctx context.Context, cs kubernetes.Interface) (func() error, error) {
		return scaleCoreDNS(ctx, cs, 0)
	},
}

func scaleCoreDNS(ctx context.Context, cs kubernetes.Interface, n int32) (func() error, error) {
	scale, err := cs.AppsV1().Deployments("kube-system").GetScale(ctx, "coredns", metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	before := scale.Spec.Replicas
	scale.Spec.Replicas = n
	if _, err := cs.AppsV1().Deployments("kube-system").UpdateScale(ctx, "coredns", scale, metav1.UpdateOptions{}); err != nil {
		return nil, err
	}
	// Wait until no CoreDNS pod is left, so the fault is in force when specs run.
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		pods, err := cs.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: "k8s-app=kube-dns"})
		if err == nil && len(pods.Items) == 0 {
			break
		}
		time.Sleep(time.Second)
	}
	return func() error {
		s, err := cs.AppsV1().Deployments("kube-system").GetScale(ctx, "coredns", metav1.GetOptions{})
		if err != nil {
			return err
		}
		s.Spec.Replicas = before
		_, err = cs.AppsV1().Deployments("kube-system").UpdateScale(ctx, "coredns", s, metav1.UpdateOptions{})
		if err != nil {
			return err
		}
		deadline := time.Now().Add(3 * time.Minute)
		for time.Now().Before(deadline) {
			d, err := cs.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
			if err == nil && d.Status.ReadyReplicas == before {
				return nil
			}
			time.Sleep(time.Second)
		}
		return fmt.Errorf("CoreDNS not back to %d ready replicas within 3m", before)
	}, nil
}

func render(results []result, baselines map[string]*run, notRun []string, withSlow bool) string {
	var b strings.Builder
	b.WriteString("# inpod self-test\n\n")
	b.WriteString("Labels are the contract: a fault's guarding specs are the specs of its run that carry one of its guard labels " +
		"(framework/faults.Registry). Each filter first runs a clean baseline; then every guarding spec must be red with the " +
		"fault's cause in its message (skipped, pending, passed or absent = missed) and every other spec green.\n\n")
	b.WriteString("## Baselines (no fault)\n\n| labels | specs | passed | not passed | time | verdict |\n|---|---|---|---|---|---|\n")
	var filters []string
	for f := range baselines {
		filters = append(filters, f)
	}
	sort.Strings(filters)
	for _, f := range filters {
		r := baselines[f]
		ok, bad := r.green()
		verdict := "green"
		if !ok {
			verdict = "NOT green"
			if r.err != nil {
				verdict += " — " + r.err.Error()
			}
		}
		fmt.Fprintf(&b, "| `%s` | %d | %d | %d | %s | %s |\n", f, len(r.order), len(r.order)-len(bad), len(bad), r.duration.Round(time.Second), verdict)
	}
	b.WriteString("\n## Faults\n\n| fault | labels | guarding specs | red | missed | verdict |\n|---|---|---|---|---|---|\n")
	for _, r := range results {
		verdict := "caught"
		if !r.caught() {
			verdict = "NOT caught"
			var why []string
			if ok, _ := r.baseline.green(); !ok {
				why = append(why, "baseline not green")
			}
			if r.err != nil {
				why = append(why, "error: "+r.err.Error())
			}
			if len(r.guarding) == 0 {
				why = append(why, "no spec carries its labels")
			}
			if len(r.missed) > 0 {
				why = append(why, fmt.Sprintf("%d guarding specs missed", len(r.missed)))
			}
			if len(r.also) > 0 {
				why = append(why, fmt.Sprintf("%d other specs not green", len(r.also)))
			}
			if len(r.uncaused) > 0 {
				why = append(why, fmt.Sprintf("%d red without the cause", len(r.uncaused)))
			}
			verdict += " (" + strings.Join(why, "; ") + ")"
		}
		if r.fault.EnvVar != "" {
			verdict += " — test-only, expected NOT caught"
		}
		fmt.Fprintf(&b, "| %s | `%s` in `%s` | %d | %d | %d | %s |\n", r.fault.Name, strings.Join(r.fault.Guards, " "), r.fault.Filter,
			len(r.guarding), len(r.red), len(r.missed), strings.ReplaceAll(verdict, "|", "/"))
	}
	for _, n := range notRun {
		fmt.Fprintf(&b, "| %s | | | | | not run |\n", strings.ReplaceAll(n, "|", "/"))
	}
	b.WriteString("\n## Label areas covered by caught faults\n\n| area | labels | caught by (red specs in the area) |\n|---|---|---|\n")
	for _, a := range areas {
		var by []string
		for _, r := range results {
			if !r.caught() || r.fault.EnvVar != "" {
				continue
			}
			n := 0
			for _, name := range r.red {
				if s, ok := r.baseline.specs[name]; ok && hasAll(s.labels, a.labels) {
					n++
				}
			}
			if n > 0 {
				by = append(by, fmt.Sprintf("%s (%d)", r.fault.Name, n))
			}
		}
		cell := strings.Join(by, ", ")
		switch {
		case cell == "" && a.name == "slow" && !withSlow:
			cell = "not run (LABELS lacks slow)"
		case cell == "":
			cell = "NONE"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s |\n", a.name, strings.Join(a.labels, " && "), cell)
	}
	b.WriteString("\n## Details\n\n")
	for _, r := range results {
		fmt.Fprintf(&b, "### %s\n\nBreaks: %s. Causes (one must appear in each red message): %q.\n\n", r.fault.Name, r.fault.Breaks, r.fault.Causes)
		for _, n := range r.red {
			fmt.Fprintf(&b, "- red: %s\n", n)
		}
		for _, n := range r.missed {
			fmt.Fprintf(&b, "- MISSED: %s\n", n)
		}
		for _, n := range r.also {
			fmt.Fprintf(&b, "- other spec not green: %s\n", strings.ReplaceAll(n, "\n", " "))
		}
		for _, n := range r.uncaused {
			fmt.Fprintf(&b, "- red without the cause: %s\n", n)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func hasAll(labels, want []string) bool {
	for _, w := range want {
		if !slices.Contains(labels, w) {
			return false
		}
	}
	return true
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

func envOr(k, d string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return d
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "selftest:", msg)
	os.Exit(2)
}
