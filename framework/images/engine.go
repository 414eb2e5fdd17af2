package images

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Engine is what PullImages needs from a Docker engine.
type Engine interface {
	Present(ctx context.Context, ref string) bool
	Pull(ctx context.Context, ref string, timeout time.Duration) error
	Build(ctx context.Context, ref string, r Recipe, timeout time.Duration) error
	Mirrors(ctx context.Context) []string // the engine's mirrors for docker.io, as URLs
}

// PullInput says which images a run needs in the local Docker engine.
type PullInput struct {
	Refs    []string
	Build   map[string]Recipe // refs built here when missing
	Timeout time.Duration     // bound on one pull or build
	Engine  Engine            // nil: the local Docker engine
	Log     func(format string, args ...any)
}

// PullImages makes every ref present in the engine: a present one is left alone,
// a missing one is built (Build) or pulled. One line per image; the first
// failure stops it with one line naming the image and its registry.
func PullImages(ctx context.Context, in PullInput) error {
	if in.Engine == nil {
		in.Engine = LocalDocker{}
	}
	if in.Log == nil {
		in.Log = func(string, ...any) {}
	}
	if in.Timeout == 0 {
		in.Timeout = 15 * time.Minute
	}
	for i, ref := range in.Refs {
		n := fmt.Sprintf("(%d/%d)", i+1, len(in.Refs))
		registry, err := Registry(ref)
		if err != nil {
			return err
		}
		if in.Engine.Present(ctx, ref) {
			in.Log("image %s %s: present", n, ref)
			continue
		}
		start := time.Now()
		if df, ok := in.Build[ref]; ok {
			if err := in.Engine.Build(ctx, ref, df, in.Timeout); err != nil {
				return fmt.Errorf("build %s from %s failed: %v", ref, df, err)
			}
			in.Log("image %s %s: built from %s in %s", n, ref, df, time.Since(start).Round(time.Second))
			continue
		}
		from := registry
		if registry == "docker.io" {
			if m := in.Engine.Mirrors(ctx); len(m) > 0 {
				from += " (through the engine's mirror " + strings.Join(m, ", ") + ")"
			}
		}
		if err := in.Engine.Pull(ctx, ref, in.Timeout); err != nil {
			return fmt.Errorf("pull %s from %s failed: %v", ref, from, err)
		}
		in.Log("image %s %s: docker pull from %s in %s", n, ref, from, time.Since(start).Round(time.Second))
	}
	return nil
}

// Registry names the registry a reference is pulled from, by Docker's rule: the
// first path component when it holds a "." or ":" or is "localhost", else docker.io.
func Registry(ref string) (string, error) {
	name, _, _ := strings.Cut(ref, "@")
	repo := strings.TrimSuffix(name, tagOf(name))
	if repo == "" || strings.ContainsAny(ref, " \t") || repo != strings.ToLower(repo) {
		return "", fmt.Errorf("image reference %q: not a valid reference (lowercase name[:tag][@digest])", ref)
	}
	first, _, more := strings.Cut(repo, "/")
	if more && (strings.ContainsAny(first, ".:") || first == "localhost") {
		return first, nil
	}
	return "docker.io", nil
}

// tagOf returns ":tag" of name, or "" (a ":" before the last "/" is a port).
func tagOf(name string) string {
	i := strings.LastIndex(name, ":")
	if i < 0 || strings.Contains(name[i:], "/") {
		return ""
	}
	return name[i:]
}

// MirrorAddrs turns mirror URLs (http://127.0.0.1:5000/) into host:port to dial.
func MirrorAddrs(urls []string) []string {
	var addrs []string
	for _, u := range urls {
		p, err := url.Parse(u)
		if err != nil || p.Host == "" {
			continue
		}
		host, port := p.Hostname(), p.Port()
		if port == "" {
			port = "443"
			if p.Scheme == "http" {
				port = "80"
			}
		}
		addrs = append(addrs, net.JoinHostPort(host, port))
	}
	return addrs
}

// LocalDocker is the Docker engine the docker CLI reaches.
type LocalDocker struct{}

func (LocalDocker) Present(ctx context.Context, ref string) bool { return ImagePresent(ctx, ref) }

func (LocalDocker) Pull(ctx context.Context, ref string, timeout time.Duration) error {
	_, err := Docker(ctx, timeout, "pull", ref)
	return err
}

// Build runs docker build for a Dockerfile recipe; a Go image is assembled
// (SaveGoImage) for this host's platform and loaded.
func (LocalDocker) Build(ctx context.Context, ref string, r Recipe, timeout time.Duration) error {
	if r.Go == "" {
		_, err := Docker(ctx, timeout, "build", "-f", r.File, "-t", ref, r.Context)
		return err
	}
	g, ok := LookupGoImage(r.Go)
	if !ok {
		return fmt.Errorf("no Go image %q", r.Go)
	}
	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if mod, e := exec.CommandContext(ctx, "go", "env", "GOMOD").Output(); e == nil && len(bytes.TrimSpace(mod)) > 0 {
		root = filepath.Dir(string(bytes.TrimSpace(mod)))
	}
	tmp, err := os.MkdirTemp("", "inpod-load-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	file := filepath.Join(tmp, "image.tar")
	if err := SaveGoImage(ctx, g, "", root, ref, file); err != nil {
		return err
	}
	_, err = Docker(ctx, timeout, "load", "-q", "-i", file)
	return err
}

func (LocalDocker) Mirrors(ctx context.Context) []string {
	out, err := Docker(ctx, 10*time.Second, "info", "--format", "{{json .RegistryConfig.Mirrors}}")
	if err != nil {
		return nil
	}
	var m []string
	_ = json.Unmarshal([]byte(out), &m)
	return m
}
