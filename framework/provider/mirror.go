package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/inpod/inpod/framework/images"
)

// Mirror makes a kind node's containerd pull Host's images from Endpoint, kind's
// local-registry pattern: the cluster config sets containerd's registry
// config_path (MirrorPatch), and each node gets
// /etc/containerd/certs.d/HOST/hosts.toml. An Endpoint "http://@host:PORT"
// means the Docker host as the node sees it (the kind network's gateway).
type Mirror struct {
	Host     string // registry host as image references name it: docker.io, 127.0.0.1:5055
	Endpoint string // http://@host:5055, http://registry.example:5000
}

// MirrorPatch is the containerdConfigPatches entry that makes containerd read
// /etc/containerd/certs.d (a version-2 containerd config, as kind's and inpod's nodes have).
const MirrorPatch = `[plugins."io.containerd.grpc.v1.cri".registry]
  config_path = "/etc/containerd/certs.d"`

// ParseMirrors reads INPOD_NODE_MIRRORS: "HOST=ENDPOINT,HOST=ENDPOINT".
func ParseMirrors(s string) ([]Mirror, error) {
	var out []Mirror
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		host, ep, ok := strings.Cut(item, "=")
		if !ok || host == "" || (!strings.HasPrefix(ep, "http://") && !strings.HasPrefix(ep, "https://")) {
			return nil, fmt.Errorf("INPOD_NODE_MIRRORS: %q is not HOST=http(s)://ENDPOINT (e.g. docker.io=http://@host:5055)", item)
		}
		out = append(out, Mirror{Host: host, Endpoint: ep})
	}
	return out, nil
}

// Mirrored reports whether ref is pulled by the node through one of mirrors.
// A reference that does not parse is not mirrored (it is loaded, and its own
// error shows there).
func Mirrored(ref string, mirrors []Mirror) bool {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return false
	}
	domain := reference.Domain(named)
	for _, m := range mirrors {
		if m.Host == domain {
			return true
		}
	}
	return false
}

// hostsTOML is the node's certs.d file for m, the @host placeholder resolved.
func hostsTOML(m Mirror, gateway string) string {
	ep := strings.Replace(m.Endpoint, "@host", gateway, 1)
	server := "https://" + m.Host
	if m.Host == "docker.io" {
		server = "https://registry-1.docker.io"
	}
	return fmt.Sprintf("server = %q\n\n[host.%q]\n  capabilities = [\"pull\", \"resolve\"]\n", server, ep)
}

// writeMirrors writes each mirror's hosts.toml into every node of the cluster;
// containerd reads certs.d at each pull, so no restart is needed.
func writeMirrors(ctx context.Context, cluster string, mirrors []Mirror, log func(string, ...any)) error {
	if len(mirrors) == 0 {
		return nil
	}
	gateway, err := kindGateway(ctx)
	if err != nil {
		return err
	}
	nodes, err := images.Docker(ctx, 10*time.Second, "ps", "--filter", "label=io.x-k8s.kind.cluster="+cluster, "--format", "{{.Names}}")
	if err != nil {
		return fmt.Errorf("list the nodes of kind cluster %s: %w", cluster, err)
	}
	for _, node := range strings.Fields(nodes) {
		for _, m := range mirrors {
			dir := "/etc/containerd/certs.d/" + m.Host
			script := fmt.Sprintf("mkdir -p %q && cat > %q/hosts.toml <<'EOF'\n%sEOF\n", dir, dir, hostsTOML(m, gateway))
			if _, err := images.Docker(ctx, 10*time.Second, "exec", node, "sh", "-c", script); err != nil {
				return fmt.Errorf("node %s: write %s/hosts.toml: %w", node, dir, err)
			}
			log("node %s pulls %s images from %s", node, m.Host, strings.Replace(m.Endpoint, "@host", gateway, 1))
		}
	}
	return nil
}

// kindGateway is the IPv4 gateway of Docker's "kind" network: the host, seen
// from a node.
func kindGateway(ctx context.Context) (string, error) {
	out, err := images.Docker(ctx, 10*time.Second, "network", "inspect", "kind", "--format", "{{range .IPAM.Config}}{{.Gateway}} {{end}}")
	if err != nil {
		return "", fmt.Errorf("docker network inspect kind: %w", err)
	}
	for _, gw := range strings.Fields(out) {
		if !strings.Contains(gw, ":") {
			return gw, nil
		}
	}
	return "", fmt.Errorf("the kind network has no IPv4 gateway (%q): a node cannot reach a registry on the host", out)
}
