// Package pods runs probe pods and commands inside them: create with Pod Security
// "restricted" settings, wait (bounded, and saying what it saw), exec, logs, delete.
package pods

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilexec "k8s.io/client-go/util/exec"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/e2e-framework/klient/wait"

	"github.com/inpod/inpod/framework/lines"
	"github.com/inpod/inpod/framework/run"
)

// RunProbeInput describes a long-running probe pod.
type RunProbeInput struct {
	Namespace      string
	Name           string
	ServiceAccount string // "" = the namespace's default
	Image          string
	Command        []string // default: sleep 3600, as the guide's pods do
	// AutomountToken is the pod's automountServiceAccountToken; nil leaves it unset.
	AutomountToken *bool
	Volumes        []corev1.Volume
	Mounts         []corev1.VolumeMount
}

// Restricted applies what Pod Security "restricted" requires to a pod spec; the
// guide's pods carry none of it.
func Restricted(spec *corev1.PodSpec) {
	if spec.SecurityContext == nil {
		spec.SecurityContext = &corev1.PodSecurityContext{}
	}
	spec.SecurityContext.RunAsNonRoot = ptr.To(true)
	spec.SecurityContext.RunAsUser = ptr.To[int64](65532)
	spec.SecurityContext.RunAsGroup = ptr.To[int64](65532)
	spec.SecurityContext.SeccompProfile = &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}
	for i := range spec.Containers {
		c := &spec.Containers[i]
		c.SecurityContext = &corev1.SecurityContext{
			AllowPrivilegeEscalation: ptr.To(false),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
		}
		if c.ImagePullPolicy == "" {
			c.ImagePullPolicy = corev1.PullIfNotPresent
		}
	}
	spec.TerminationGracePeriodSeconds = ptr.To[int64](1)
}

// ProbeCommand keeps a probe pod of method's image running; the Go image has no
// sleep binary. nil: the image's own sleep.
func ProbeCommand(method string) []string {
	if method == "go" {
		return []string{"/app/inpod-request", "sleep"}
	}
	return nil
}

// ProbePod builds the pod for in, labelled for r.
func ProbePod(r *run.Run, in RunProbeInput) *corev1.Pod {
	cmd := in.Command
	if cmd == nil {
		cmd = []string{"sleep", "3600"}
	}
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: in.Name, Namespace: in.Namespace, Labels: r.Labels()},
		Spec: corev1.PodSpec{
			ServiceAccountName:           in.ServiceAccount,
			AutomountServiceAccountToken: in.AutomountToken,
			Containers: []corev1.Container{{
				Name: "probe", Image: in.Image, Command: cmd, VolumeMounts: in.Mounts,
			}},
			Volumes: in.Volumes,
		},
	}
	Prepare(r, &p.Spec)
	return p
}

// Prepare makes a pod spec one the suite creates: Pod Security restricted
// (Restricted) and the run's requests and limits on every container
// (INPOD_PROBE_RESOURCES), so clusters requiring either admit it.
func Prepare(r *run.Run, spec *corev1.PodSpec) {
	Restricted(spec)
	for i := range spec.Containers {
		spec.Containers[i].Resources = *r.Config.ProbeResources.DeepCopy()
	}
}

// placeholderGate keeps a Placeholder pod from ever being scheduled.
const placeholderGate = "inpod.io/placeholder"

// Placeholder is a pod that exists and never runs: a scheduling gate holds it
// back, so it costs the node nothing (no sandbox, no container, no network) while
// requests about it — get, list, a dry-run delete — are answered as for any pod.
func Placeholder(r *run.Run, ns, name, image string) *corev1.Pod {
	p := ProbePod(r, RunProbeInput{Namespace: ns, Name: name, Image: image})
	p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: placeholderGate}}
	return p
}

// CreatePlaceholders creates Placeholder pods; nothing to wait for.
func CreatePlaceholders(ctx context.Context, r *run.Run, list ...*corev1.Pod) error {
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	for _, p := range list {
		if _, err := r.Proxy.Clientset().CoreV1().Pods(p.Namespace).Create(cctx, p, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create placeholder pod %s/%s: %w", p.Namespace, p.Name, Admission("create pod "+p.Namespace+"/"+p.Name, err))
		}
	}
	return nil
}

// Create creates pod and waits until it is Ready.
func Create(ctx context.Context, r *run.Run, pod *corev1.Pod) (*corev1.Pod, error) {
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	if _, err := r.Proxy.Clientset().CoreV1().Pods(pod.Namespace).Create(cctx, pod, metav1.CreateOptions{}); err != nil {
		return nil, fmt.Errorf("create pod %s/%s: %w", pod.Namespace, pod.Name, Admission("create pod "+pod.Namespace+"/"+pod.Name, err))
	}
	return WaitReady(ctx, r, pod.Namespace, pod.Name)
}

// RunProbe creates the probe pod in and waits until it is Ready.
func RunProbe(ctx context.Context, r *run.Run, in RunProbeInput) (*corev1.Pod, error) {
	return Create(ctx, r, ProbePod(r, in))
}

// WaitReady waits, bounded by the run's pod timeout, until the pod is Ready. It
// gives up at once on a state that will not heal (missing image, failed pod) and
// its error says what it saw.
func WaitReady(ctx context.Context, r *run.Run, ns, name string) (*corev1.Pod, error) {
	var last *corev1.Pod
	var lastErr error
	check := func(ctx context.Context) (bool, error) {
		p, err := r.Proxy.Clientset().CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			lastErr = err
			return false, nil
		}
		last = p
		if reason := hopeless(p); reason != "" {
			return false, errors.New(reason)
		}
		return isReady(p), nil
	}
	err := wait.For(check, wait.WithContext(ctx), wait.WithTimeout(r.PodTimeout()),
		wait.WithInterval(250*time.Millisecond), wait.WithImmediate())
	if err == nil {
		return last, nil
	}
	if last == nil {
		return nil, fmt.Errorf("pod %s/%s: not readable within %s: %v", ns, name, r.PodTimeout(), lastErr)
	}
	if reason := hopeless(last); reason != "" {
		return last, fmt.Errorf("pod %s/%s: %s", ns, name, reason)
	}
	return last, fmt.Errorf("pod %s/%s: not Ready within %s; saw %s", ns, name, r.PodTimeout(), Describe(last))
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// hopeless names a pod state that waiting will not cure.
func hopeless(p *corev1.Pod) string {
	if p.Status.Phase == corev1.PodFailed {
		return "pod failed: " + Describe(p)
	}
	for _, cs := range p.Status.ContainerStatuses {
		if w := cs.State.Waiting; w != nil {
			switch {
			case ImageUnavailable(w):
				return fmt.Sprintf("image %s is not available in the cluster (%s: %s); build and load it (make images) or set the method's *_IMAGE", cs.Image, w.Reason, lines.First(w.Message))
			case w.Reason == "CreateContainerConfigError" || w.Reason == "CreateContainerError" || w.Reason == "RunContainerError":
				return fmt.Sprintf("container %s cannot start (%s: %s)", cs.Name, w.Reason, lines.First(w.Message))
			}
		}
	}
	return ""
}

// Describe is a one-line account of a pod's state.
func Describe(p *corev1.Pod) string {
	parts := []string{"phase " + string(p.Status.Phase)}
	for _, c := range p.Status.Conditions {
		if c.Status != corev1.ConditionTrue && c.Message != "" {
			parts = append(parts, fmt.Sprintf("%s=%s (%s)", c.Type, c.Status, c.Message))
		}
	}
	for _, cs := range p.Status.ContainerStatuses {
		switch {
		case cs.State.Waiting != nil:
			parts = append(parts, fmt.Sprintf("%s waiting: %s %s", cs.Name, cs.State.Waiting.Reason, lines.First(cs.State.Waiting.Message)))
		case cs.State.Terminated != nil:
			parts = append(parts, fmt.Sprintf("%s terminated: %s exit %d", cs.Name, cs.State.Terminated.Reason, cs.State.Terminated.ExitCode))
		}
	}
	return strings.Join(parts, "; ")
}

// ImageUnavailable tells whether a waiting container's image cannot be had:
// the kubelet failed or refused to pull it, or its name is invalid.
func ImageUnavailable(w *corev1.ContainerStateWaiting) bool {
	switch w.Reason {
	case "ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName":
		return true
	}
	return false
}

// ExecResult is what a command inside a pod produced.
type ExecResult struct {
	Stdout, Stderr string
	ExitCode       int
	// RanIn is the pod that ran the command in the stead of the one asked for,
	// on the log path (RunAsCommand); "" when it ran in that pod by exec. A
	// listing of pods made by the command includes it.
	RanIn string
}

// Exec runs cmd in the pod's first container, bounded by the run's API timeout.
// The error is for a failed exec itself; a command's non-zero exit is in ExitCode.
func Exec(ctx context.Context, r *run.Run, ns, pod string, cmd ...string) (ExecResult, error) {
	return ExecWithin(ctx, r, r.Config.APITimeout, ns, pod, cmd...)
}

// ExecWithin is Exec bounded by d: for a command that makes several requests.
// Where the cluster refuses exec (run.Run.ExecRefused), cmd runs the log path's
// way instead (RunAsCommand), with the same result.
func ExecWithin(ctx context.Context, r *run.Run, d time.Duration, ns, pod string, cmd ...string) (ExecResult, error) {
	if r.ExecRefused() != "" {
		return RunAsCommand(ctx, r, d, ns, pod, cmd...)
	}
	cctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var out, errb bytes.Buffer
	err := r.Proxy.Client().Resources().ExecInPod(cctx, ns, pod, "", cmd, &out, &errb)
	res := ExecResult{Stdout: out.String(), Stderr: errb.String()}
	var exit utilexec.ExitError
	switch {
	case err == nil:
		return res, nil
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitStatus()
		return res, nil
	case cctx.Err() != nil:
		return res, fmt.Errorf("exec %q in %s/%s: no answer within %s (stdout %q, stderr %q)", lines.Clip(strings.Join(cmd, " "), 300), ns, pod, d, lines.Clip(res.Stdout, 300), lines.Clip(res.Stderr, 300))
	default:
		return res, fmt.Errorf("exec %q in %s/%s: %w", lines.Clip(strings.Join(cmd, " "), 300), ns, pod, Admission("exec into pod "+ns+"/"+pod, err))
	}
}

// Delete deletes a pod and waits, bounded by the pod timeout, until it is gone.
func Delete(ctx context.Context, r *run.Run, ns, name string) error {
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	err := r.Proxy.Clientset().CoreV1().Pods(ns).Delete(cctx, name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
	if err != nil {
		return fmt.Errorf("delete pod %s/%s: %w", ns, name, err)
	}
	gone := func(ctx context.Context) (bool, error) {
		_, err := r.Proxy.Clientset().CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}
	if err := wait.For(gone, wait.WithContext(ctx), wait.WithTimeout(r.PodTimeout()), wait.WithInterval(250*time.Millisecond)); err != nil {
		return fmt.Errorf("pod %s/%s still exists %s after its deletion", ns, name, r.PodTimeout())
	}
	return nil
}
