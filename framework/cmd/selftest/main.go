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
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/e2e-framework/klient/wait"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/incluster"
	"github.com/inpod/inpod/framework/selftest"
)

func main() {
	ctx := context.Background()
	reportDir := config.EnvOr("REPORT_DIR", "reports")
	ginkgo := config.EnvOr("GINKGO", "ginkgo")
	labels := config.Env("LABELS")
	withSlow := strings.Contains(labels, "slow") && !strings.Contains(labels, "!slow")
	only := config.Env("SELFTEST_ONLY")
	for _, n := range strings.Split(only, ",") {
		if _, ok := faults.Lookup(strings.TrimSpace(n)); n != "" && !ok {
			var names []string
			for _, f := range faults.Registry {
				names = append(names, f.Name)
			}
			fail(fmt.Sprintf("SELFTEST_ONLY: %q is not a fault (faults: %s)", n, strings.Join(names, ", ")))
		}
	}
	kubeconfig := config.Env("INPOD_SELFTEST_KUBECONFIG")
	if kubeconfig == "" {
		fail("INPOD_SELFTEST_KUBECONFIG is not set (make selftest sets it to the kind cluster's kubeconfig)")
	}
	rc, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		fail("kubeconfig " + kubeconfig + ": " + err.Error())
	}
	cs := kubernetes.NewForConfigOrDie(rc)
	out := filepath.Join(reportDir, "selftest")
	_ = os.MkdirAll(out, 0o755)

	var selected []faults.Fault
	var notRun []string
	for _, f := range faults.Registry {
		switch {
		case only != "" && !strings.Contains(","+only+",", ","+f.Name+","):
			continue
		case f.Profile != "" && config.Env("INPOD_PROFILE") != f.Profile:
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
	cov := coverage(ctx, ginkgo, bin, out)
	fmt.Fprintln(os.Stderr, "selftest:", cov.Line())
	baselines := map[string]*selftest.Run{}
	var results []selftest.Result
	for _, f := range selected {
		b, ok := baselines[f.Filter]
		if !ok {
			fmt.Fprintf(os.Stderr, "selftest: baseline, no fault (labels %q)\n", f.Filter)
			b = runSuite(ctx, ginkgo, bin, out, "baseline-"+slug(f.Filter), f, "")
			baselines[f.Filter] = b
			okB, bad := b.Green()
			fmt.Fprintf(os.Stderr, "selftest: baseline %q: %d specs, green %v %v\n", f.Filter, len(b.Order), okB, bad)
		}
		fmt.Fprintf(os.Stderr, "selftest: %s (labels %q, guards %v)\n", f.Name, f.Filter, f.Guards)
		res := runFault(ctx, cs, ginkgo, bin, out, f, b)
		fmt.Fprintf(os.Stderr, "selftest: %s: %d guarding, %d red, %d missed, %d other not green, caught %v\n",
			f.Name, len(res.Guarding), len(res.Red), len(res.Missed), len(res.Also), res.Caught())
		results = append(results, res)
		// Written after each fault, so an interrupted self-test leaves what it found.
		_ = os.WriteFile(filepath.Join(reportDir, "selftest.md"), []byte(selftest.Render(cov, results, baselines, notRun, withSlow)), 0o644)
	}
	table := selftest.Render(cov, results, baselines, notRun, withSlow)
	fmt.Print(table)
	_ = os.WriteFile(filepath.Join(reportDir, "selftest.md"), []byte(table), 0o644)
	code := 0
	for _, r := range results {
		// A test-only fault exists to show a miss: it must be reported NOT caught.
		if r.Caught() == (r.Fault.EnvVar != "") {
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

// coverage lists every spec with its labels (ginkgo --dry-run: nothing runs)
// and counts the guarded ones.
func coverage(ctx context.Context, ginkgo, bin, out string) selftest.Coverage {
	dir, _ := filepath.Abs(filepath.Join(out, "dry-run"))
	_ = os.RemoveAll(dir)
	_ = os.MkdirAll(dir, 0o755)
	target := "./suites/inpod"
	if bin != "" {
		target = bin
	}
	cmd := exec.CommandContext(ctx, ginkgo, "run", "--dry-run", "--json-report=report.json", "--output-dir="+dir, "--silence-skips", target)
	log, _ := os.Create(filepath.Join(dir, "ginkgo.log"))
	cmd.Stdout, cmd.Stderr = log, log
	exit := cmd.Run()
	_ = log.Close()
	all := selftest.ReadRun(filepath.Join(dir, "report.json"), "", exit)
	if all.Err != nil || len(all.Order) == 0 {
		fail(fmt.Sprintf("listing the specs (ginkgo --dry-run): %v; see %s", all.Err, filepath.Join(dir, "ginkgo.log")))
	}
	return selftest.Cover(all)
}

func runSuite(ctx context.Context, ginkgo, bin, out, name string, f faults.Fault, inject string) *selftest.Run {
	filter := f.Filter
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "INPOD_INJECT=") && !strings.HasPrefix(e, "REPORT_DIR=") {
			env = append(env, e)
		}
	}
	dir, _ := filepath.Abs(filepath.Join(out, name))
	_ = os.RemoveAll(dir)
	_ = os.MkdirAll(dir, 0o755)
	env = append(env, "KEEP_CLUSTER=1", "INPOD_POD_TIMEOUT="+config.EnvOr("INPOD_POD_TIMEOUT", "90s"), "REPORT_DIR="+dir)
	if inject != "" {
		env = append(env, "INPOD_INJECT="+inject)
	}
	target := "./suites/inpod"
	if bin != "" {
		target = bin
	}
	cmd := exec.CommandContext(ctx, ginkgo, "run", "--label-filter="+filter, "--json-report=report.json",
		"--output-dir="+dir, "--silence-skips", "--timeout=40m", "--procs="+config.EnvOr("SELFTEST_PROCS", "1"), target)
	if f.Job {
		// The runner's specs run only inside the cluster: the suite as the
		// in-cluster Job (make job), its report copied back into dir.
		cmd = exec.CommandContext(ctx, "go", "run", "./framework/cmd/inpodctl", "job")
		// preflight would stop a runner holding too much before its specs
		// could say so: warn, in the baseline too.
		env = append(env, "LABELS="+filter, "INPOD_PREFLIGHT=warn")
	}
	cmd.Env = env
	log, _ := os.Create(filepath.Join(dir, "ginkgo.log"))
	cmd.Stdout, cmd.Stderr = log, log
	start := time.Now()
	exit := cmd.Run() // red is the point of a fault run: ReadRun weighs the exit against the report
	_ = log.Close()
	r := selftest.ReadRun(filepath.Join(dir, "report.json"), filter, exit)
	r.Duration = time.Since(start)
	if r.Err != nil {
		r.Err = fmt.Errorf("%w (see %s)", r.Err, filepath.Join(dir, "ginkgo.log"))
	}
	return r
}

func runFault(ctx context.Context, cs kubernetes.Interface, ginkgo, bin, out string, f faults.Fault, base *selftest.Run) selftest.Result {
	inject := f.Name
	if f.Cluster {
		inject = ""
		brk, ok := clusterFaults[f.Name]
		if !ok {
			return selftest.Result{Fault: f, Baseline: base, Err: fmt.Errorf("no way to break the cluster for %s", f.Name)}
		}
		undo, err := brk(ctx, cs)
		if err != nil {
			return selftest.Result{Fault: f, Baseline: base, Err: err}
		}
		defer func() {
			if err := undo(); err != nil {
				fmt.Fprintf(os.Stderr, "selftest: undoing %s: %v\n", f.Name, err)
			}
		}()
	}
	return selftest.Judge(f, base, runSuite(ctx, ginkgo, bin, out, f.Name, f, inject))
}

// clusterFaults break the cluster itself; each returns how to undo it.
var clusterFaults = map[string]func(context.Context, kubernetes.Interface) (func() error, error){
	faults.RunnerClusterAdmin: bindRunnerClusterAdmin,
	faults.ClusterDNSDown: func(ctx context.Context, cs kubernetes.Interface) (func() error, error) {
		return scaleCoreDNS(ctx, cs, 0)
	},
}

// bindRunnerClusterAdmin binds the in-cluster runner's ServiceAccount (which the
// Job creates) to cluster-admin, by name: the binding holds before it exists.
func bindRunnerClusterAdmin(ctx context.Context, cs kubernetes.Interface) (func() error, error) {
	crb := &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "inpod-selftest-runner-cluster-admin", Labels: map[string]string{"app.kubernetes.io/managed-by": "inpod-selftest"}},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: incluster.Runner, Namespace: incluster.Namespace}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		return nil, fmt.Errorf("bind the runner to cluster-admin: %w", err)
	}
	return func() error {
		err := cs.RbacV1().ClusterRoleBindings().Delete(context.WithoutCancel(ctx), crb.Name, metav1.DeleteOptions{})
		if apierrors.IsNotFound(err) {
			return nil
		}
		return err
	}, nil
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
	gone := func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: "k8s-app=kube-dns"})
		return err == nil && len(pods.Items) == 0, nil
	}
	if err := wait.For(gone, wait.WithContext(ctx), wait.WithTimeout(2*time.Minute), wait.WithInterval(time.Second)); err != nil {
		return nil, fmt.Errorf("CoreDNS pods still running 2m after scaling to %d: %w", n, err)
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
		back := func(ctx context.Context) (bool, error) {
			d, err := cs.AppsV1().Deployments("kube-system").Get(ctx, "coredns", metav1.GetOptions{})
			return err == nil && d.Status.ReadyReplicas == before, nil
		}
		if err := wait.For(back, wait.WithContext(ctx), wait.WithTimeout(3*time.Minute), wait.WithInterval(time.Second)); err != nil {
			return fmt.Errorf("CoreDNS not back to %d ready replicas within 3m: %w", before, err)
		}
		return nil
	}, nil
}

func slug(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "selftest:", msg)
	os.Exit(2)
}
