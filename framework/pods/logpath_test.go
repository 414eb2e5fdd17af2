package pods

import (
	"os/exec"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The shell frame, run by a real sh (its directory moved to a temporary one),
// gives back each stream and the exit code, also when they hold newlines,
// nothing, or text like a marker's.
func TestShellFrame(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct {
		name   string
		cmd    []string
		stdout string
		stderr string
		code   int
	}{
		{"both streams", []string{"sh", "-c", "printf 'a\\nb\\n'; echo oops >&2; exit 3"}, "a\nb\n", "oops\n", 3},
		{"nothing", []string{"true"}, "", "", 0},
		{"no trailing newline", []string{"printf", "%s", "x"}, "x", "", 0},
		{"marker-like text", []string{"sh", "-c", "echo '@@inpod-log-exit 9'"}, "@@inpod-log-exit 9\n", "", 0},
		{"not found", []string{"no-such-command-here"}, "", "not found", 127},
	} {
		t.Run(c.name, func(t *testing.T) {
			argv := LogFrame([]string{"sleep", "3600"}, c.cmd)
			if argv[0] != "sh" {
				t.Fatalf("LogFrame(%q) = %q, want a sh frame", c.cmd, argv)
			}
			argv[2] = strings.ReplaceAll(argv[2], logDir, dir)
			out, err := exec.Command(argv[0], argv[1:]...).Output()
			if err != nil {
				t.Fatalf("frame: %v", err)
			}
			res, ok := ParseLogFrame(string(out))
			if !ok {
				t.Fatalf("no whole frame in %q", out)
			}
			if res.Stdout != c.stdout || res.ExitCode != c.code || !strings.Contains(res.Stderr, c.stderr) || (c.stderr == "" && res.Stderr != "") {
				t.Errorf("got %+v, want stdout %q stderr ~%q exit %d", res, c.stdout, c.stderr, c.code)
			}
		})
	}
}

// The Go probe frames itself; a log without a whole frame is no result.
func TestLogFrame(t *testing.T) {
	if got := LogFrame([]string{goProbe, "sleep"}, []string{"/app/guide-main"}); strings.Join(got, " ") != goProbe+" framed /app/guide-main" {
		t.Errorf("Go probe frame = %q", got)
	}
	for _, log := range []string{"", "half an answer", "out\n@@inpod-log-stderr\nerr", "out\n@@inpod-log-stderr\n\n@@inpod-log-exit x\n"} {
		if _, ok := ParseLogFrame(log); ok {
			t.Errorf("ParseLogFrame(%q) = ok, want no result", log)
		}
	}
}

// The pod that runs a command in another's stead keeps what the command's
// requests depend on (account, token, labels, node) and drops what would keep
// it from ending.
func TestLogPod(t *testing.T) {
	src := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "curl-pod", Namespace: "n", Labels: map[string]string{"app": "x"}},
		Spec: corev1.PodSpec{
			ServiceAccountName: "pod-reader", NodeName: "node-a",
			SchedulingGates: []corev1.PodSchedulingGate{{Name: "g"}},
			Containers: []corev1.Container{{Name: "probe", Image: "curl", Command: []string{"sleep", "3600"},
				ReadinessProbe: &corev1.Probe{}, VolumeMounts: []corev1.VolumeMount{{Name: "token", MountPath: "/t"}}}},
			Volumes: []corev1.Volume{{Name: "token"}},
		},
	}
	p := logPod(src, []string{"cat", "/t/token"})
	c := p.Spec.Containers[0]
	switch {
	case p.Name == src.Name || !strings.HasPrefix(p.Name, "curl-pod-x") || p.Namespace != "n":
		t.Errorf("name %s/%s", p.Namespace, p.Name)
	case p.Spec.ServiceAccountName != "pod-reader" || p.Spec.NodeName != "node-a" || p.Labels["app"] != "x":
		t.Errorf("account, node or labels not kept: %+v", p)
	case p.Spec.RestartPolicy != corev1.RestartPolicyNever || p.Spec.SchedulingGates != nil || c.ReadinessProbe != nil:
		t.Errorf("the pod would not end: %+v", p.Spec)
	case len(c.VolumeMounts) != 2 || len(p.Spec.Volumes) != 2 || c.Command[0] != "sh" || c.Command[len(c.Command)-1] != "/t/token":
		t.Errorf("container %+v", c)
	case len(src.Spec.Containers[0].VolumeMounts) != 1 || src.Spec.SchedulingGates == nil:
		t.Errorf("the source pod was changed")
	}
	if logPod(src, []string{"true"}).Name == p.Name {
		t.Error("two log pods share a name")
	}
}
