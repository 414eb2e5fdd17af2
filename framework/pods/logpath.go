package pods

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/klient/wait"

	"github.com/inpod/inpod/framework/lines"
	"github.com/inpod/inpod/framework/run"
)

// The log path: where the cluster's admission refuses exec into pods
// (pods.AdmissionCheck), a command meant for a pod runs instead as the command
// of a pod of its own, made from that pod's spec — the same ServiceAccount,
// token volume, mounts, image, labels and node — and what it printed is read
// back from its log. Both streams are one in a log, so the command is framed:
// its stdout, a marker line, its stderr, a marker line with its exit code
// (LogFrame). Images with a shell are framed by sh; the Go probe, which has
// none, by its own "framed" mode.
const (
	logStderrMark = "\n@@inpod-log-stderr\n"
	logExitMark   = "\n@@inpod-log-exit "
	logDir        = "/inpod-log"
	// goProbe is the Go probe's binary: it frames commands itself.
	goProbe = "/app/inpod-request"
)

// frameScript runs "$@" and frames its output; the files live in an emptyDir
// so that images with a read-only or foreign-owned /tmp frame too.
const frameScript = `"$@" >` + logDir + `/stdout 2>` + logDir + `/stderr; rc=$?
cat ` + logDir + `/stdout; echo; echo '@@inpod-log-stderr'; cat ` + logDir + `/stderr; echo; echo "@@inpod-log-exit $rc"`

// LogFrame is the command that runs cmd in a container whose own command was
// kept (the pod's, before the log path replaced it) and prints its output
// framed: the Go probe's image has no shell and frames with its own binary.
func LogFrame(kept, cmd []string) []string {
	if len(kept) > 0 && kept[0] == goProbe {
		return append([]string{goProbe, "framed"}, cmd...)
	}
	return append([]string{"sh", "-c", frameScript, "sh"}, cmd...)
}

// ParseLogFrame reads a framed command's log back into its result; ok is false
// when the log does not end with a whole frame (the command never finished).
func ParseLogFrame(log string) (res ExecResult, ok bool) {
	e := strings.LastIndex(log, logExitMark)
	if e < 0 {
		return res, false
	}
	code, err := strconv.Atoi(strings.TrimSpace(log[e+len(logExitMark):]))
	if err != nil {
		return res, false
	}
	s := strings.LastIndex(log[:e+1], logStderrMark)
	if s < 0 {
		return res, false
	}
	return ExecResult{Stdout: log[:s], Stderr: log[s+len(logStderrMark) : e], ExitCode: code}, true
}

var logPods atomic.Int64

// logPod is the pod that runs cmd in src's stead.
func logPod(src *corev1.Pod, cmd []string) *corev1.Pod {
	base := src.Name
	if len(base) > 50 {
		base = strings.TrimRight(base[:50], "-")
	}
	spec := src.Spec.DeepCopy()
	spec.RestartPolicy = corev1.RestartPolicyNever
	spec.SchedulingGates = nil
	spec.InitContainers = nil
	spec.Containers = spec.Containers[:1]
	c := &spec.Containers[0]
	c.Command, c.Args = LogFrame(c.Command, cmd), nil
	c.ReadinessProbe, c.LivenessProbe, c.StartupProbe = nil, nil, nil
	c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "inpod-log", MountPath: logDir})
	spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "inpod-log", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}})
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:        fmt.Sprintf("%s-x%d", base, logPods.Add(1)),
			Namespace:   src.Namespace,
			Labels:      src.Labels,
			Annotations: map[string]string{"inpod.io/runs-for": src.Name},
		},
		Spec: *spec,
	}
}

// RunAsCommand runs cmd the log path's way (above) in the stead of pod ns/name,
// bounded by d once the pod runs, and deletes the pod it made.
func RunAsCommand(ctx context.Context, r *run.Run, d time.Duration, ns, name string, cmd ...string) (ExecResult, error) {
	what := fmt.Sprintf("%q for %s/%s (exec is refused: run as a pod's command)", lines.Clip(strings.Join(cmd, " "), 300), ns, name)
	cctx, cancel := r.Ctx(ctx)
	src, err := r.Proxy.Clientset().CoreV1().Pods(ns).Get(cctx, name, metav1.GetOptions{})
	cancel()
	if err != nil {
		return ExecResult{}, fmt.Errorf("%s: read the pod's spec: %w", what, err)
	}
	p := logPod(src, cmd)
	cctx, cancel = r.Ctx(ctx)
	_, err = r.Proxy.Clientset().CoreV1().Pods(ns).Create(cctx, p, metav1.CreateOptions{})
	cancel()
	if err != nil {
		return ExecResult{}, fmt.Errorf("%s: %w", what, Admission("create pod "+ns+"/"+p.Name, err))
	}
	defer func() { _ = Delete(context.WithoutCancel(ctx), r, ns, p.Name) }()

	var last *corev1.Pod
	ended := func(ctx context.Context) (bool, error) {
		got, err := r.Proxy.Clientset().CoreV1().Pods(ns).Get(ctx, p.Name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = got
		if got.Status.Phase == corev1.PodSucceeded || got.Status.Phase == corev1.PodFailed {
			return true, nil // a failed pod's log may still hold the frame
		}
		if why := hopeless(got); why != "" {
			return false, fmt.Errorf("%s", why)
		}
		return false, nil
	}
	if err := wait.For(ended, wait.WithContext(ctx), wait.WithTimeout(r.PodTimeout()+d), wait.WithInterval(250*time.Millisecond)); err != nil {
		state := "never seen"
		if last != nil {
			state = Describe(last)
		}
		return ExecResult{}, fmt.Errorf("%s: pod %s did not finish within %s: %v (%s)", what, p.Name, r.PodTimeout()+d, err, state)
	}
	cctx, cancel = r.Ctx(ctx)
	raw, err := r.Proxy.Clientset().CoreV1().Pods(ns).GetLogs(p.Name, &corev1.PodLogOptions{Container: p.Spec.Containers[0].Name}).DoRaw(cctx)
	cancel()
	if err != nil {
		return ExecResult{}, fmt.Errorf("%s: read pod %s's log: %w", what, p.Name, err)
	}
	res, ok := ParseLogFrame(string(raw))
	if !ok {
		return ExecResult{}, fmt.Errorf("%s: pod %s ended (%s) without a whole frame in its log: %s", what, p.Name, Describe(last), lines.Clip(lines.LastN(string(raw), 3), 400))
	}
	res.RanIn = p.Name
	return res, nil
}
