// Command selftest proves the suite catches broken clusters: for each fault it
// breaks the cluster or the run's objects, runs the matching labels, and checks
// that exactly the specs guarding that property went red, with a failure
// message that names the cause. It prints a table and writes selftest.md.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// fault is one broken property and what must then fail.
type fault struct {
	name   string // INPOD_INJECT value, or a cluster fault handled here
	labels string
	expect func(spec string) bool // the specs that must go red
	cause  []string               // one of these must appear in each red spec's message
	break_ func(ctx context.Context, cs kubernetes.Interface) (undo func() error, err error)
	// profile, when set, is the cluster profile the fault needs (PROFILE=...);
	// on another cluster the fault is listed as not run, with the reason.
	profile string
}

func has(subs ...string) func(string) bool {
	return func(s string) bool {
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				return true
			}
		}
		return false
	}
}

var faults = []fault{
	{name: "default-can-list-pods", labels: "rbac && !slow",
		expect: has("as the default ServiceAccount", "for default:"),
		cause:  []string{"allowed", "says yes"}},
	{name: "pod-reader-binding-missing", labels: "rbac && !slow",
		expect: has("runs as pod-reader", "lets pod-reader list", "lets pod-reader read", "for pod-reader:", "lists pod-reader's rules"),
		cause:  []string{"forbidden", "says no"}},
	{name: "pod-reader-no-automount", labels: "method:curl && rbac && !slow",
		expect: func(s string) bool {
			return strings.Contains(s, "curl from a pod") && strings.Contains(s, "pod-reader")
		},
		cause: []string{"token", "unauthorized", "anonymous", "no such file"}},
	{name: "cluster-dns-down", labels: "method:curl && rbac && !slow",
		expect: func(s string) bool {
			return strings.Contains(s, "curl from a pod") || strings.Contains(s, "from inside a pod")
		},
		cause: []string{"could not resolve", "no such host", "lookup", "name resolution"},
		break_: func(ctx context.Context, cs kubernetes.Interface) (func() error, error) {
			return scaleCoreDNS(ctx, cs, 0)
		}},
	{name: "pod-reader-role-secrets", labels: "rbac && !slow",
		expect: has("refuses pod-reader getting secrets", "for pod-reader:"),
		cause:  []string{"allowed", "authorized", "says yes"}},
	{name: "cluster-pod-reader-binding-missing", labels: "rbac && !slow",
		expect: has("cluster-pod-reader ClusterRole", "for cluster-pod-reader:"),
		cause:  []string{"forbidden", "says no"}},
	{name: "secure-pod-apiserver-audience", labels: "projected-token && !slow",
		expect: has("secure-pod"),
		cause:  []string{"api", "401", "audience"}},
	{name: "bound-pod-not-deleted", labels: "projected-token && !slow",
		expect: has("stops honouring a pod's mounted token"),
		cause:  []string{"still got HTTP 201"}},
	{name: "egress-to-api-denied", labels: "method:curl && rbac && !slow", profile: "multi-node",
		expect: func(s string) bool { return strings.Contains(s, "curl from a pod") },
		cause:  []string{"inpod-fault-deny-egress (denies all egress)"}},
	{name: "my-config-without-resourcenames", labels: "rbac && method:curl && !slow",
		expect: has("refuses the resourceNames rule", "through can-i: my-config"),
		cause:  []string{"allowed", "says yes"}},
}

type result struct {
	fault             fault
	red, missed, also []string
	uncaused          []string
	err               error
}

func (r result) caught() bool {
	return r.err == nil && len(r.red) > 0 && len(r.missed) == 0 && len(r.also) == 0 && len(r.uncaused) == 0
}

func main() {
	ctx := context.Background()
	reportDir := envOr("REPORT_DIR", "reports")
	ginkgo := envOr("GINKGO", "ginkgo")
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

	var results []result
	for _, f := range faults {
		if only != "" && !strings.Contains(","+only+",", ","+f.name+",") {
			continue
		}
		if f.profile != "" && os.Getenv("INPOD_PROFILE") != f.profile {
			fmt.Fprintf(os.Stderr, "selftest: %s not run: it needs a cluster of profile %s (make selftest PROFILE=%s SELFTEST_ONLY=%s)\n", f.name, f.profile, f.profile, f.name)
			continue
		}
		fmt.Fprintf(os.Stderr, "selftest: %s (labels %q)\n", f.name, f.labels)
		results = append(results, runFault(ctx, cs, ginkgo, out, f))
	}
	table := render(results)
	fmt.Print(table)
	_ = os.WriteFile(filepath.Join(reportDir, "selftest.md"), []byte(table), 0o644)
	for _, r := range results {
		if !r.caught() {
			os.Exit(1)
		}
	}
}

func runFault(ctx context.Context, cs kubernetes.Interface, ginkgo, out string, f fault) result {
	res := result{fault: f}
	env := append(os.Environ(), "KEEP_CLUSTER=1", "INPOD_POD_TIMEOUT=90s")
	if f.break_ != nil {
		undo, err := f.break_(ctx, cs)
		if err != nil {
			res.err = err
			return res
		}
		defer func() {
			if err := undo(); err != nil {
				fmt.Fprintf(os.Stderr, "selftest: undoing %s: %v\n", f.name, err)
			}
		}()
	} else {
		env = append(env, "INPOD_INJECT="+f.name)
	}
	jsonFile := f.name + ".json"
	cmd := exec.CommandContext(ctx, ginkgo, "run", "--label-filter="+f.labels, "--json-report="+jsonFile,
		"--output-dir="+out, "--silence-skips", "./suites/inpod")
	cmd.Env = append(env, "REPORT_DIR="+out)
	log, _ := os.Create(filepath.Join(out, f.name+".log"))
	cmd.Stdout, cmd.Stderr = log, log
	_ = cmd.Run() // red is the point; the report says what failed
	_ = log.Close()
	raw, err := os.ReadFile(filepath.Join(out, jsonFile))
	if err != nil {
		res.err = fmt.Errorf("no report: %w", err)
		return res
	}
	var reports []types.Report
	if err := json.Unmarshal(raw, &reports); err != nil {
		res.err = err
		return res
	}
	for _, rep := range reports {
		for _, s := range rep.SpecReports {
			if s.LeafNodeType != types.NodeTypeIt || s.State == types.SpecStateSkipped || s.State == types.SpecStatePending {
				continue
			}
			name := s.FullText()
			red := s.State.Is(types.SpecStateFailureStates)
			switch {
			case red && f.expect(name):
				res.red = append(res.red, name)
				if !mentions(s.Failure.Message, f.cause) {
					res.uncaused = append(res.uncaused, name+": "+firstLine(s.Failure.Message))
				}
			case red:
				res.also = append(res.also, name+": "+firstLine(s.Failure.Message))
			case f.expect(name):
				res.missed = append(res.missed, name)
			}
		}
	}
	return res
}

func mentions(msg string, causes []string) bool {
	msg = strings.ToLower(msg)
	for _, c := range causes {
		if strings.Contains(msg, strings.ToLower(c)) {
			return true
		}
	}
	return false
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

func render(results []result) string {
	var b strings.Builder
	b.WriteString("| fault | specs that went red | caught |\n|---|---|---|\n")
	for _, r := range results {
		caught := "yes"
		if !r.caught() {
			caught = "NO"
		}
		red := fmt.Sprintf("%d", len(r.red))
		var notes []string
		if r.err != nil {
			notes = append(notes, "error: "+r.err.Error())
		}
		for _, m := range r.missed {
			notes = append(notes, "stayed green: "+m)
		}
		for _, a := range r.also {
			notes = append(notes, "unexpectedly red: "+a)
		}
		for _, u := range r.uncaused {
			notes = append(notes, "red without naming the cause: "+u)
		}
		if len(notes) > 0 {
			sort.Strings(notes)
			red += " — " + strings.Join(notes, "; ")
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.fault.name, strings.ReplaceAll(red, "|", "/"), caught)
	}
	return b.String()
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
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
