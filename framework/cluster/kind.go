package cluster

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/e2e-framework/klient/wait"
	"sigs.k8s.io/e2e-framework/support/kind"
)

// KindInput says which kind cluster a run wants.
type KindInput struct {
	Name        string
	NodeImage   string
	Config      string // kind cluster config file
	KindBinary  string // "" = kind on PATH
	Kubeconfig  string // where to keep the cluster's kubeconfig
	Keep        bool   // Dispose keeps the cluster
	ProbeImages []string
	Timeout     time.Duration // bound on the cluster becoming usable
	OfflineDNS  bool          // CoreDNS serves cluster names only (see ClusterOnlyCorefile)
	Addons      fs.FS         // applied after creation, before the wait for Ready nodes (see AddonsFor); nil = none
	APITimeout  time.Duration
	Log         func(format string, args ...any)
}

type kindProxy struct {
	*base
	in      KindInput
	cluster *kind.Cluster
}

func (k *kindProxy) ExportLogs(ctx context.Context, dir string) error {
	return k.cluster.ExportLogs(ctx, dir)
}

func (k *kindProxy) Dispose(ctx context.Context) error {
	if k.in.Keep {
		k.in.Log("keeping kind cluster %s (KEEP_CLUSTER); kubeconfig %s", k.in.Name, k.in.Kubeconfig)
		return nil
	}
	k.in.Log("deleting kind cluster %s", k.in.Name)
	return k.cluster.Destroy(ctx)
}

// Kind creates the kind cluster in.Name, or reuses it when it is healthy and runs
// the wanted node image; a cluster left half-dead by an interrupted run (node
// stopped, API silent) is recreated. Probe images are loaded into it.
func Kind(ctx context.Context, in KindInput) (Proxy, error) {
	if in.Log == nil {
		in.Log = func(string, ...any) {}
	}
	if err := DockerAnswers(ctx); err != nil {
		return nil, err
	}
	bin, err := kindBinary(in.KindBinary)
	if err != nil {
		return nil, err
	}
	if !ImagePresent(ctx, in.NodeImage) {
		return nil, fmt.Errorf("kind node image %s is not in the local Docker engine; `make e2e` builds the offline set or pulls the published one (`inpodctl pull`)", in.NodeImage)
	}
	for _, ref := range in.ProbeImages {
		if !ImagePresent(ctx, ref) {
			return nil, fmt.Errorf("probe image %s is not in the local Docker engine; `make e2e` builds the offline set or pulls the published one (`inpodctl pull`), or set its *_IMAGE", ref)
		}
	}
	if err := os.MkdirAll(filepath.Dir(in.Kubeconfig), 0o755); err != nil {
		return nil, err
	}
	kc := kind.NewCluster(in.Name)
	kc.WithPath(bin)
	kc.WithOpts(kind.WithImage(in.NodeImage))

	if reason := staleReason(ctx, in, bin); reason != "" {
		in.Log("kind cluster %s is unusable (%s): recreating it", in.Name, reason)
		if err := kc.Destroy(ctx); err != nil {
			return nil, fmt.Errorf("delete stale kind cluster %s: %w", in.Name, err)
		}
	}
	if exists(ctx, bin, in.Name) {
		in.Log("reusing kind cluster %s", in.Name)
	} else {
		in.Log("creating kind cluster %s from %s", in.Name, in.NodeImage)
		start := time.Now()
		if _, err := kc.Create(ctx, "--config", in.Config, "--retain", "--kubeconfig", in.Kubeconfig); err != nil {
			cause := diagnose(ctx, in.Name)
			_ = kc.Destroy(context.WithoutCancel(ctx))
			if cause != "" {
				return nil, fmt.Errorf("kind create cluster %s failed: %s", in.Name, cause)
			}
			return nil, fmt.Errorf("kind create cluster %s failed: %w", in.Name, err)
		}
		in.Log("kind cluster %s created in %s", in.Name, time.Since(start).Round(time.Second))
		if cfg, err := os.ReadFile(in.Config); err == nil {
			_ = os.WriteFile(configStamp(in), cfg, 0o644)
		}
	}
	if err := writeKubeconfig(ctx, bin, in); err != nil {
		return nil, err
	}
	rc, err := clientcmd.BuildConfigFromFlags("", in.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("kind cluster %s: kubeconfig: %w", in.Name, err)
	}
	b, err := newBase(ctx, "kind cluster "+in.Name, in.Kubeconfig, rc, in.APITimeout)
	if err != nil {
		return nil, err
	}
	if in.Addons != nil {
		if err := applyAddons(ctx, kc, b, in.Addons, in.Timeout); err != nil {
			return nil, fmt.Errorf("kind cluster %s: %w", in.Name, err)
		}
	}
	if err := waitUsable(ctx, b, in.Timeout, in.OfflineDNS); err != nil {
		return nil, fmt.Errorf("kind cluster %s: %w", in.Name, err)
	}
	for _, ref := range in.ProbeImages {
		if err := kc.LoadImage(ctx, ref); err != nil {
			return nil, fmt.Errorf("load %s into kind cluster %s: %w", ref, in.Name, err)
		}
	}
	return &kindProxy{base: b, in: in, cluster: kc}, nil
}

func kindBinary(p string) (string, error) {
	if p == "" {
		p = "kind"
	}
	abs, err := exec.LookPath(p)
	if err != nil {
		return "", fmt.Errorf("no kind binary at %q (run `make tools`, or set INPOD_KIND)", p)
	}
	return abs, nil
}

func exists(ctx context.Context, bin, name string) bool {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "get", "clusters").Output()
	if err != nil {
		return false
	}
	for _, l := range strings.Fields(string(out)) {
		if l == name {
			return true
		}
	}
	return false
}

// staleReason says why an existing cluster must not be reused, or "".
func staleReason(ctx context.Context, in KindInput, bin string) string {
	if !exists(ctx, bin, in.Name) {
		return ""
	}
	node := in.Name + "-control-plane"
	state, err := docker(ctx, 10*time.Second, "inspect", "--format", "{{.State.Running}} {{.Image}}", node)
	if err != nil {
		return "its node container cannot be inspected: " + err.Error()
	}
	running, imageID, _ := strings.Cut(state, " ")
	if running != "true" {
		return "its node container is stopped"
	}
	if created, err := os.ReadFile(configStamp(in)); err == nil {
		if want, err := os.ReadFile(in.Config); err == nil && string(want) != string(created) {
			return "it was created from another cluster config (profile)"
		}
	}
	want, err := docker(ctx, 10*time.Second, "image", "inspect", "--format", "{{.Id}}", in.NodeImage)
	if err == nil && want != imageID {
		return "its node runs an older build of " + in.NodeImage
	}
	tmp := in.Kubeconfig + ".probe"
	defer func() { _ = os.Remove(tmp) }()
	probe := in
	probe.Kubeconfig = tmp
	if err := writeKubeconfig(ctx, bin, probe); err != nil {
		return err.Error()
	}
	rc, err := clientcmd.BuildConfigFromFlags("", tmp)
	if err != nil {
		return "its kubeconfig is unusable: " + err.Error()
	}
	if _, err := newBase(ctx, "kind", tmp, rc, 10*time.Second); err != nil {
		return "its API server does not answer"
	}
	return ""
}

// configStamp keeps the config a cluster was created from, so that a run asking
// for another profile recreates it instead of reusing it.
func configStamp(in KindInput) string { return in.Kubeconfig + ".created-from.yaml" }

func writeKubeconfig(ctx context.Context, bin string, in KindInput) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "get", "kubeconfig", "--name", in.Name).Output()
	if err != nil {
		return fmt.Errorf("kind get kubeconfig --name %s: %w", in.Name, err)
	}
	return os.WriteFile(in.Kubeconfig, out, 0o600)
}

// waitUsable waits for what every spec relies on: a Ready node and cluster DNS.
func waitUsable(ctx context.Context, b *base, timeout time.Duration, offline bool) error {
	nodeReady := func(ctx context.Context) (bool, error) {
		nodes, err := b.clientset.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		if err != nil || len(nodes.Items) == 0 {
			return false, nil
		}
		for _, n := range nodes.Items {
			for _, c := range n.Status.Conditions {
				if c.Type == "Ready" && c.Status != "True" {
					return false, nil
				}
			}
		}
		return true, nil
	}
	opts := []wait.Option{wait.WithContext(ctx), wait.WithTimeout(timeout), wait.WithInterval(time.Second), wait.WithImmediate()}
	if err := wait.For(nodeReady, opts...); err != nil {
		return fmt.Errorf("no Ready node within %s", timeout)
	}
	if offline {
		return offlineDNS(ctx, b.clientset, timeout)
	}
	return waitDNS(ctx, b.clientset, timeout)
}

// diagnose looks into a failed node for the known root causes; kind's own error
// ("could not bootstrap the admin user") hides them.
func diagnose(ctx context.Context, name string) string {
	node := name + "-control-plane"
	journal, err := docker(ctx, 20*time.Second, "exec", node, "journalctl", "-u", "kubelet", "--no-pager", "-n", "300")
	if err != nil {
		logs, _ := docker(ctx, 10*time.Second, "logs", "--tail", "5", node)
		if logs != "" {
			return "the node did not boot; its last output: " + strings.ReplaceAll(logs, "\n", " | ")
		}
		return ""
	}
	for _, l := range strings.Split(journal, "\n") {
		if strings.Contains(l, "cgroup v1") && strings.Contains(strings.ToLower(l), "kubelet") {
			return "the kubelet will not start on this cgroup v1 host (set failCgroupV1: false in the cluster config's KubeletConfiguration patch): " + strings.TrimLeft(l[strings.Index(l, "]")+1:], ": ")
		}
	}
	for _, l := range strings.Split(journal, "\n") {
		if strings.Contains(l, "failed to run Kubelet") || strings.Contains(l, "command failed") {
			return "the kubelet failed: " + strings.TrimSpace(l)
		}
	}
	return ""
}

// LoadImages loads images from the local Docker engine into the kind cluster.
func LoadImages(ctx context.Context, in KindInput, refs ...string) error {
	bin, err := kindBinary(in.KindBinary)
	if err != nil {
		return err
	}
	kc := kind.NewCluster(in.Name)
	kc.WithPath(bin)
	for _, ref := range refs {
		if err := kc.LoadImage(ctx, ref); err != nil {
			return fmt.Errorf("load %s into kind cluster %s: %w", ref, in.Name, err)
		}
	}
	return nil
}
