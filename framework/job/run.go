package job

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/e2e-framework/klient/decoder"
	"sigs.k8s.io/e2e-framework/klient/k8s"
	"sigs.k8s.io/e2e-framework/klient/wait"

	"github.com/inpod/inpod/framework/cluster"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
	"github.com/inpod/inpod/framework/run"
	"github.com/inpod/inpod/manifests"
)

// Input says how to run the Job.
type Input struct {
	Proxy        cluster.Proxy
	SuiteImage   string
	ResultsImage string
	Env          map[string]string // IMAGES, *_IMAGE, ... for the suite container
	LabelFilter  string
	RunID        string
	ReportDir    string
	Timeout      time.Duration
	// RemovePermission drops one "verb resource[/sub]" from the runner's
	// ClusterRoles before they are applied: the self-check that preflight notices.
	RemovePermission string
	Log              func(format string, args ...any)
	// Intent, when set, makes the Job verify an intent file (IntentInput).
	Intent *IntentInput
	// SystemPodSecurity, when set, replaces the Pod Security level enforced in
	// inpod-system (Sonobuoy's pods there cannot meet "restricted").
	SystemPodSecurity string
}

// Manifests decodes manifests/job (namespaces, RBAC, Job) with e2e-framework's
// decoder, as `kubectl apply -k` would apply them, in dependency order; opts
// change each object as it is decoded.
func Manifests(opts ...decoder.DecodeOption) ([]k8s.Object, error) {
	var objs []k8s.Object
	for _, f := range []string{"job/namespace.yaml", "job/rbac.yaml", "job/workspaces.yaml", "job/job.yaml"} {
		got, err := decoder.DecodeAllFiles(context.Background(), manifests.FS, f, opts...)
		if err != nil {
			return nil, fmt.Errorf("manifests/%s: %w", f, err)
		}
		if len(got) == 0 {
			return nil, fmt.Errorf("manifests/%s: no objects", f)
		}
		objs = append(objs, got...)
	}
	return objs, nil
}

// Objects is Manifests labelled for the run and configured by in.
func Objects(in Input) ([]k8s.Object, error) {
	labels := map[string]string{
		"app.kubernetes.io/name":       "inpod",
		"app.kubernetes.io/managed-by": "inpod",
		// Not inpod.io/run: the suite deletes what carries its run label at the
		// end, and the runner's own RBAC must outlive that.
		"inpod.io/job": in.RunID,
	}
	objs, err := Manifests(decoder.MutateLabels(labels))
	if err != nil {
		return nil, err
	}
	if in.Intent != nil {
		extra := in.Intent.objects()
		for _, o := range extra {
			o.SetLabels(maps.Clone(labels))
		}
		// Before the Job, which is last.
		objs = append(objs[:len(objs)-1], append(extra, objs[len(objs)-1])...)
	}
	for _, o := range objs {
		switch obj := o.(type) {
		case *rbacv1.ClusterRole:
			if (obj.Name == Runner || obj.Name == WorkspaceRole) && in.RemovePermission != "" {
				removePermission(obj, in.RemovePermission)
			}
		case *batchv1.Job:
			configureJob(obj, in)
		case *corev1.Namespace:
			if obj.Name == Namespace && in.SystemPodSecurity != "" {
				obj.Labels["pod-security.kubernetes.io/enforce"] = in.SystemPodSecurity
			}
		}
	}
	return objs, nil
}

func removePermission(cr *rbacv1.ClusterRole, perm string) {
	verb, res, _ := strings.Cut(perm, " ")
	for i, r := range cr.Rules {
		for _, rr := range r.Resources {
			if rr != res {
				continue
			}
			var keep []string
			for _, v := range r.Verbs {
				if v != verb {
					keep = append(keep, v)
				}
			}
			cr.Rules[i].Verbs = keep
		}
	}
}

func configureJob(j *batchv1.Job, in Input) {
	spec := &j.Spec.Template.Spec
	for i := range spec.Containers {
		c := &spec.Containers[i]
		switch c.Name {
		case "suite":
			c.Image = in.SuiteImage
			for k, v := range in.Env {
				setEnv(c, k, v)
			}
			setEnv(c, "INPOD_RUN_ID", in.RunID)
			for j, a := range c.Args {
				if strings.HasPrefix(a, "--ginkgo.label-filter=") && in.LabelFilter != "" {
					c.Args[j] = "--ginkgo.label-filter=" + in.LabelFilter
				}
			}
		case "results":
			c.Image = in.ResultsImage
		}
	}
	j.Spec.Template.Labels["inpod.io/job"] = in.RunID
	if in.Intent != nil {
		in.Intent.configure(j)
	}
}

func setEnv(c *corev1.Container, k, v string) {
	for i := range c.Env {
		if c.Env[i].Name == k {
			c.Env[i].Value = v
			return
		}
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: v})
}

// callerNeeds is what the caller of `make job` must be allowed to do: create
// what manifests/job holds (the administrator's part), run the Job, read its
// output and verdict.
var callerNeeds = []Permission{
	{Verb: "create", Resource: "namespaces"},
	{Verb: "delete", Resource: "namespaces"},
	{Verb: "create", Resource: "serviceaccounts", Namespace: Namespace},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterroles"},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"},
	{Verb: "delete", Group: "rbac.authorization.k8s.io", Resource: "clusterroles"},
	{Verb: "delete", Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings"},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "roles", Namespace: "default"},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "rolebindings", Namespace: "default"},
	{Verb: "create", Group: "authorization.k8s.io", Resource: "subjectaccessreviews"},
	{Verb: "create", Group: "batch", Resource: "jobs", Namespace: Namespace},
	{Verb: "get", Resource: "pods", Subresource: "log", Namespace: Namespace},
	{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: Namespace},
	{Verb: "get", Resource: "configmaps", Namespace: Namespace, Name: ResultsName},
}

// Run applies manifests/job, runs the suite, copies junit.xml and report.json
// into ReportDir, shows the results ConfigMap once the Job's pod is gone, and
// returns the suite's exit code. Everything it created is
// deleted when it returns, also after Ctrl-C or a timeout (ctx).
func Run(ctx context.Context, in Input) (int, error) {
	a := &applied{in: in}
	defer func() { a.cleanup(context.WithoutCancel(ctx)) }()
	if err := a.apply(ctx); err != nil {
		return 0, err
	}
	res := in.Proxy.Client().Resources()
	jobObj := a.job
	if err := res.Create(ctx, jobObj); err != nil {
		return 0, fmt.Errorf("create Job: %w", err)
	}
	a.created = append(a.created, jobObj)
	start := time.Now()
	pod, err := waitPod(ctx, in)
	if err != nil {
		return 0, err
	}
	in.Log("job: pod %s/%s runs the suite; streaming its output", Namespace, pod)
	stream(ctx, in, pod)
	code, err := waitSuiteExit(ctx, in, pod)
	if err != nil {
		return 0, err
	}
	if err := collect(ctx, in, pod); err != nil {
		return 0, err
	}
	if err := showResults(ctx, in, jobObj, pod); err != nil {
		return 0, err
	}
	in.Log("job: suite exited %d after %s; reports in %s", code, time.Since(start).Round(time.Second), in.ReportDir)
	return code, nil
}

// checkRunner confirms, with SubjectAccessReviews, that the runner holds every
// permission the suites need and none of the Forbidden ones.
func checkRunner(ctx context.Context, in Input) error {
	cs := in.Proxy.Clientset()
	want := RequiredChecks()
	if in.Intent != nil {
		want = append(want, in.Intent.checks()...)
	}
	var missing, excess []string
	// RBAC takes effect at once, but its informer-fed cache may lag a moment.
	err := wait.For(func(ctx context.Context) (bool, error) {
		var err error
		if missing, err = Missing(ctx, cs, RunnerUser, want); err != nil {
			return false, nil
		}
		if excess, err = Excess(ctx, cs, RunnerUser, Forbidden); err != nil {
			return false, nil
		}
		return len(missing) == 0 && len(excess) == 0, nil
	}, wait.WithContext(ctx), wait.WithTimeout(time.Minute), wait.WithInterval(time.Second), wait.WithImmediate())
	if err == nil {
		in.Log("preflight: the caller and the runner %s hold every permission the suites need (%d checked) and none of the %d it must not hold",
			RunnerUser, len(want), len(Forbidden))
		return nil
	}
	switch {
	case len(missing) > 0:
		return fmt.Errorf("preflight: the runner's permissions are short of what the suites need:\n  %s", strings.Join(missing, "\n  "))
	case len(excess) > 0:
		return fmt.Errorf("preflight: the runner holds permissions it must not (a validator holds no keys):\n  %s", strings.Join(excess, "\n  "))
	}
	return fmt.Errorf("preflight: could not check the runner's permissions: %w", err)
}

// applied is manifests/job in the cluster: what was created, and the Job,
// created only once the runner's permissions are confirmed.
type applied struct {
	in      Input
	created []k8s.Object
	job     *batchv1.Job
}

// apply checks that the caller may create what manifests/job holds, creates
// all of it but the Job, and checks the runner's permissions.
func (a *applied) apply(ctx context.Context) error {
	cs := a.in.Proxy.Clientset()
	var missing []string
	for _, p := range callerNeeds {
		ok, err := rbac.CanI(ctx, cs, p)
		if err != nil {
			return err
		}
		if !ok {
			missing = append(missing, "you may not "+p.String())
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("preflight: %s", strings.Join(missing, "; "))
	}
	objs, err := Objects(a.in)
	if err != nil {
		return err
	}
	res := a.in.Proxy.Client().Resources()
	for _, o := range objs {
		if j, ok := o.(*batchv1.Job); ok {
			a.job = j
			continue
		}
		if err := res.Create(ctx, o); err != nil {
			return fmt.Errorf("apply %T %s: %w", o, o.GetName(), err)
		}
		a.created = append(a.created, o)
	}
	return checkRunner(ctx, a.in)
}

func (a *applied) cleanup(ctx context.Context) { cleanup(ctx, a.in, a.created) }

func waitPod(ctx context.Context, in Input) (string, error) {
	var name, seen string
	err := wait.For(func(ctx context.Context) (bool, error) {
		list, err := in.Proxy.Clientset().CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + JobName})
		if err != nil || len(list.Items) == 0 {
			seen = "no pod yet"
			return false, nil
		}
		p := list.Items[0]
		name = p.Name
		for _, c := range p.Status.ContainerStatuses {
			if w := c.State.Waiting; w != nil && pods.ImageUnavailable(w) {
				return false, fmt.Errorf("image %s cannot be pulled (%s): %s", c.Image, w.Reason, w.Message)
			}
			if c.Name == "suite" && (c.State.Running != nil || c.State.Terminated != nil) {
				return true, nil
			}
		}
		seen = "pod " + string(p.Status.Phase)
		return false, nil
	}, wait.WithContext(ctx), wait.WithTimeout(3*time.Minute), wait.WithInterval(time.Second), wait.WithImmediate())
	if err != nil {
		return "", fmt.Errorf("job: the suite container did not start within 3m (%s): %w", seen, err)
	}
	return name, nil
}

func stream(ctx context.Context, in Input, pod string) {
	req := in.Proxy.Clientset().CoreV1().Pods(Namespace).GetLogs(pod, &corev1.PodLogOptions{Container: "suite", Follow: true})
	rc, err := req.Stream(ctx)
	if err != nil {
		in.Log("job: cannot follow the suite's output: %v", err)
		return
	}
	defer func() { _ = rc.Close() }()
	_, _ = io.Copy(os.Stdout, rc)
}

func waitSuiteExit(ctx context.Context, in Input, pod string) (int, error) {
	code := -1
	err := wait.For(func(ctx context.Context) (bool, error) {
		p, err := in.Proxy.Clientset().CoreV1().Pods(Namespace).Get(ctx, pod, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range p.Status.ContainerStatuses {
			if c.Name == "suite" && c.State.Terminated != nil {
				code = int(c.State.Terminated.ExitCode)
				return true, nil
			}
		}
		return false, nil
	}, wait.WithContext(ctx), wait.WithTimeout(in.Timeout), wait.WithInterval(2*time.Second), wait.WithImmediate())
	if err != nil {
		if ctx.Err() == context.Canceled {
			return 0, errors.New("job: interrupted; everything it created is being deleted")
		}
		return 0, fmt.Errorf("job: the suite did not finish within %s", in.Timeout)
	}
	return code, nil
}

// collect copies the reports out of the results container, then lets it end.
func collect(ctx context.Context, in Input, pod string) error {
	if err := os.MkdirAll(in.ReportDir, 0o755); err != nil {
		return err
	}
	res := in.Proxy.Client().Resources()
	for _, f := range []string{"junit.xml", "report.json"} {
		var out, errb bytes.Buffer
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := res.ExecInPod(cctx, Namespace, pod, "results", []string{"cat", "/results/" + f}, &out, &errb)
		cancel()
		if err != nil {
			return fmt.Errorf("job: copy %s out of the results container: %v %s", f, err, strings.TrimSpace(errb.String()))
		}
		if err := os.WriteFile(filepath.Join(in.ReportDir, f), out.Bytes(), 0o644); err != nil {
			return err
		}
	}
	var out, errb bytes.Buffer
	return res.ExecInPod(ctx, Namespace, pod, "results", []string{"touch", "/results/collected"}, &out, &errb)
}

// cleanup deletes what Run created and every object carrying the run's label
// (the suite's own namespaces and cluster RBAC, should the suite have been cut
// short before its own cleanup).
func cleanup(ctx context.Context, in Input, created []k8s.Object) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	res := in.Proxy.Client().Resources()
	bg := metav1.DeletePropagationBackground
	for i := len(created) - 1; i >= 0; i-- {
		o := created[i]
		err := res.Delete(ctx, o, func(d *metav1.DeleteOptions) { d.PropagationPolicy = &bg; d.GracePeriodSeconds = ptr.To[int64](5) })
		if err != nil && !apierrors.IsNotFound(err) {
			in.Log("cleanup: delete %T %s: %v", o, o.GetName(), err)
		}
	}
	if _, err := run.CleanupLabelled(ctx, in.Proxy.Clientset(), run.RunSelector(in.RunID)); err != nil {
		in.Log("cleanup: %v", err)
	}
	in.Log("cleanup: deleted the Job, its namespace and RBAC, and everything labelled inpod.io/run=%s", in.RunID)
}
