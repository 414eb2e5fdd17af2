package provider

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/inpod/inpod/framework/images"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/e2e-framework/klient/wait"
)

// KindInput says which kind cluster a run wants.
type KindInput struct {
	Name        string
	NodeImage   string
	Config      string // kind cluster config file
	Kubeconfig  string // where to keep the cluster's kubeconfig
	Keep        bool   // Dispose keeps the cluster
	ProbeImages []string
	// Mirrors: the node pulls these registries' images (its config must carry
	// MirrorPatch); probe images under them are neither required locally nor loaded.
	Mirrors []Mirror
	// NodePulls: a probe image missing from the local engine is pulled by the
	// node itself (the published set: no `docker save` of pulled images, which
	// breaks under Docker 29's containerd image store, kind#3795).
	NodePulls bool
	// Built: images built in the run itself; always loaded, never left to the node.
	Built      []string
	Timeout    time.Duration // bound on the cluster becoming usable
	OfflineDNS bool          // CoreDNS serves cluster names only (see ClusterOnlyCorefile)
	Addons     fs.FS         // applied after creation, before the wait for Ready nodes (see AddonsFor); nil = none
	APITimeout time.Duration
	Log        func(format string, args ...any)
}

type kindProxy struct {
	*base
	in   KindInput
	kind kindAPI
}

func (k *kindProxy) ExportLogs(_ context.Context, dir string) error {
	return k.kind.collectLogs(dir)
}

func (k *kindProxy) Dispose(context.Context) error {
	if k.in.Keep {
		k.in.Log("keeping kind cluster %s (KEEP_CLUSTER); kubeconfig %s", k.in.Name, k.in.Kubeconfig)
		return nil
	}
	k.in.Log("deleting kind cluster %s", k.in.Name)
	return k.kind.delete(k.in.Kubeconfig)
}

// Kind creates the kind cluster in.Name, or reuses it when it is healthy and runs
// the wanted node image; a cluster left half-dead by an interrupted run (node
// stopped, API silent) is recreated. Probe images are loaded into it.
func Kind(ctx context.Context, in KindInput) (Proxy, error) {
	if in.Log == nil {
		in.Log = func(string, ...any) {}
	}
	if err := images.DockerAnswers(ctx); err != nil {
		return nil, err
	}
	if !images.ImagePresent(ctx, in.NodeImage) {
		return nil, fmt.Errorf("kind node image %s is not in the local Docker engine; `make e2e` builds the offline set or pulls the published one (`inpodctl pull`)", in.NodeImage)
	}
	load, err := in.ToLoad(ctx, in.ProbeImages...)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(in.Kubeconfig), 0o755); err != nil {
		return nil, err
	}
	kc := newKindAPI(in.Name, in.Log)
	exists, err := kc.exists()
	if err != nil {
		return nil, err
	}
	if reason := staleReason(ctx, in, kc, exists); reason != "" {
		in.Log("kind cluster %s is unusable (%s): recreating it", in.Name, reason)
		if err := kc.delete(in.Kubeconfig); err != nil {
			return nil, fmt.Errorf("delete stale kind cluster %s: %w", in.Name, err)
		}
		exists = false
	}
	if exists {
		in.Log("reusing kind cluster %s", in.Name)
	} else if err := createKind(in, kc); err != nil {
		return nil, err
	}
	if err := writeKubeconfig(kc, in.Kubeconfig); err != nil {
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
	if err := writeMirrors(ctx, in.Name, in.Mirrors, in.Log); err != nil {
		return nil, fmt.Errorf("kind cluster %s: %w", in.Name, err)
	}
	if err := waitUsable(ctx, b, in.Timeout, in.OfflineDNS); err != nil {
		return nil, fmt.Errorf("kind cluster %s: %w", in.Name, err)
	}
	if err := kc.loadImages(ctx, load...); err != nil {
		return nil, err
	}
	return &kindProxy{base: b, in: in, kind: kc}, nil
}

// createKind creates the cluster and stamps the config it came from; when
// creation fails it names the cause it finds in the node, then deletes the node.
func createKind(in KindInput, kc kindAPI) error {
	in.Log("creating kind cluster %s from %s", in.Name, in.NodeImage)
	start := time.Now()
	if err := kc.create(in.Config, in.NodeImage, in.Kubeconfig); err != nil {
		cause := kc.diagnose()
		if derr := kc.delete(in.Kubeconfig); derr != nil {
			in.Log("%v", derr)
		}
		if cause != "" {
			return fmt.Errorf("kind create cluster %s failed: %s", in.Name, cause)
		}
		if out := commandOutput(err); out != "" {
			return fmt.Errorf("kind create cluster %s failed: %w; its output ends: %s", in.Name, err, out)
		}
		return fmt.Errorf("kind create cluster %s failed: %w", in.Name, err)
	}
	in.Log("kind cluster %s created in %s", in.Name, time.Since(start).Round(time.Second))
	if cfg, err := os.ReadFile(in.Config); err == nil {
		_ = os.WriteFile(configStamp(in), cfg, 0o644)
	}
	return nil
}

// DeleteKind deletes the kind cluster name, if there is one, and its entry in
// the kubeconfig file.
func DeleteKind(name, kubeconfig string, log func(string, ...any)) error {
	kc := newKindAPI(name, log)
	exists, err := kc.exists()
	if err != nil || !exists {
		if err == nil {
			log("no kind cluster %s", name)
		}
		return err
	}
	log("deleting kind cluster %s", name)
	return kc.delete(kubeconfig)
}

// staleReason says why an existing cluster must not be reused, or "".
func staleReason(ctx context.Context, in KindInput, kc kindAPI, exists bool) string {
	if !exists {
		return ""
	}
	node := in.Name + "-control-plane"
	state, err := images.Docker(ctx, 10*time.Second, "inspect", "--format", "{{.State.Running}} {{.Image}}", node)
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
	want, err := images.Docker(ctx, 10*time.Second, "image", "inspect", "--format", "{{.Id}}", in.NodeImage)
	if err == nil && want != imageID {
		return "its node runs an older build of " + in.NodeImage
	}
	raw, err := kc.kubeconfig()
	if err != nil {
		return err.Error()
	}
	rc, err := clientcmd.RESTConfigFromKubeConfig([]byte(raw))
	if err != nil {
		return "its kubeconfig is unusable: " + err.Error()
	}
	if _, err := newBase(ctx, "kind", "", rc, 10*time.Second); err != nil {
		return "its API server does not answer"
	}
	return ""
}

// configStamp keeps the config a cluster was created from, so that a run asking
// for another profile recreates it instead of reusing it.
func configStamp(in KindInput) string { return in.Kubeconfig + ".created-from.yaml" }

// writeKubeconfig writes the cluster's kubeconfig (for the host) to path, alone.
func writeKubeconfig(kc kindAPI, path string) error {
	raw, err := kc.kubeconfig()
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(raw), 0o600)
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

// ToLoad is what of refs must be loaded into the node: an image built in the run
// (in.Built) always is; one the node pulls itself (through one of in.Mirrors, or,
// with in.NodePulls, one the local engine does not hold) is left to it, with a
// line in the log saying so; every other one must be in the local engine.
func (in KindInput) ToLoad(ctx context.Context, refs ...string) ([]string, error) {
	if in.Log == nil {
		in.Log = func(string, ...any) {}
	}
	var load []string
	for _, ref := range refs {
		built := slices.Contains(in.Built, ref)
		if !built && Mirrored(ref, in.Mirrors) {
			in.Log("%s: pulled by the node (registry mirror), not loaded", ref)
			continue
		}
		present := images.ImagePresent(ctx, ref)
		if !built && in.NodePulls && !present {
			in.Log("%s: pulled by the node from its registry, not loaded", ref)
			continue
		}
		if !present {
			return nil, fmt.Errorf("image %s is not in the local Docker engine; `make e2e` builds the offline set or pulls the published one (`inpodctl pull`), or set its *_IMAGE", ref)
		}
		load = append(load, ref)
	}
	return load, nil
}

// LoadImages loads images from the local Docker engine into the kind cluster.
func LoadImages(ctx context.Context, in KindInput, refs ...string) error {
	if in.Log == nil {
		in.Log = func(string, ...any) {}
	}
	return newKindAPI(in.Name, in.Log).loadImages(ctx, refs...)
}
