package provider

import (
	"bytes"
	"strings"

	kindexec "sigs.k8s.io/kind/pkg/exec"

	"github.com/inpod/inpod/framework/lines"
)

// diagnose looks into a failed cluster's control-plane node for the known root
// causes; kind's own error ("could not bootstrap the admin user") hides them. It
// reads the kubelet's journal through kind's node API (an exec into the node
// container) and, when the node did not boot, the container's own output.
func (k kindAPI) diagnose() string {
	node, err := k.controlPlane()
	if err != nil {
		return ""
	}
	var journal bytes.Buffer
	if err := node.Command("journalctl", "-u", "kubelet", "--no-pager", "-n", "300").SetStdout(&journal).Run(); err != nil {
		var serial bytes.Buffer
		_ = node.SerialLogs(&serial)
		if tail := lines.LastN(serial.String(), 5); tail != "" {
			return "the node did not boot; its last output: " + strings.ReplaceAll(tail, "\n", " | ")
		}
		return ""
	}
	return kubeletCause(journal.String())
}

// kubeletCause names the first known cause of a kubelet failure in its journal.
func kubeletCause(journal string) string {
	all := strings.Split(journal, "\n")
	for _, l := range all {
		if strings.Contains(l, "cgroup v1") && strings.Contains(strings.ToLower(l), "kubelet") {
			return "the kubelet will not start on this cgroup v1 host (set failCgroupV1: false in the cluster config's KubeletConfiguration patch): " + strings.TrimLeft(l[strings.Index(l, "]")+1:], ": ")
		}
	}
	for _, l := range all {
		if strings.Contains(l, "failed to run Kubelet") || strings.Contains(l, "command failed") {
			return "the kubelet failed: " + strings.TrimSpace(l)
		}
	}
	return ""
}

// commandOutput is what the node command behind a kind error said went wrong
// (kubeadm's own words, which kind's error leaves out): its first line naming an
// error, else its last lines that are not a stack trace, on one line.
func commandOutput(err error) string {
	re := kindexec.RunErrorForError(err)
	if re == nil {
		return ""
	}
	var kept []string
	for _, l := range strings.Split(string(re.Output), "\n") {
		low := strings.ToLower(l)
		if strings.Contains(low, "error execution phase") || strings.Contains(low, "[error") || strings.Contains(low, "timed out") {
			return strings.TrimSpace(l)
		}
		if t := strings.TrimSpace(l); t != "" && !strings.HasPrefix(l, "\t") && !strings.HasPrefix(t, "goroutine ") {
			kept = append(kept, t)
		}
	}
	return strings.ReplaceAll(lines.LastN(strings.Join(kept, "\n"), 3), "\n", " | ")
}
