package incluster

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/provider"
	"github.com/inpod/inpod/framework/run"
)

// Input says how to run the Job.
type Input struct {
	Proxy        provider.Proxy
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
	// ExcessWarnOnly: a permission the runner must not hold is named, and the
	// run goes on so that the runner's own specs report it (INPOD_PREFLIGHT=warn).
	ExcessWarnOnly bool
	Log            func(format string, args ...any)
	// Intent, when set, makes the Job verify an intent file (IntentInput).
	Intent *IntentInput
	// SystemPodSecurity, when set, replaces the Pod Security level enforced in
	// inpod-system (Sonobuoy's pods there cannot meet "restricted").
	SystemPodSecurity string
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

// applied is manifests/job in the cluster: what was created, and the Job,
// created only once the runner's permissions are confirmed.
type applied struct {
	in      Input
	created []k8s.Object
	job     *batchv1.Job
}

func (a *applied) cleanup(ctx context.Context) { cleanup(ctx, a.in, a.created) }

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
