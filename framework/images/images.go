// Package images decides which image serves which method: the published images
// where a registry answers, the set built offline by scripts/images otherwise, and
// any per-method override on top.
package images

import (
	"context"
	"fmt"
	"net"
	"sort"
	"strings"
	"time"

	"github.com/inpod/inpod/framework/config"
)

// KindNodes are the node images kind v0.33.0's release notes list, by digest
// (v1.37.0 is its default). kind publishes one patch per minor; K8S_VERSION's
// other patches exist only as the offline node built here.
var KindNodes = []string{
	"kindest/node:v1.37.0@sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5",
	"kindest/node:v1.36.4@sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed",
	"kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0",
}

// KindNode is the published node image for k8sVersion's minor, and its version.
func KindNode(k8sVersion string) (ref, version string, ok bool) {
	minor := minorOf(k8sVersion)
	for _, ref := range KindNodes {
		tag := strings.TrimPrefix(ref, "kindest/node:")
		tag, _, _ = strings.Cut(tag, "@")
		if minorOf(tag) == minor {
			return ref, tag, true
		}
	}
	return "", "", false
}

// minorOf is "v1.37" of "v1.37.2".
func minorOf(v string) string {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return v
	}
	return "v" + parts[0] + "." + parts[1]
}

// Published references: the guide's images where it names one that still
// publishes version tags, else the image built from the guide's Dockerfile or
// source. The node is kind's published image of k8sVersion's minor (its patch
// may differ from k8sVersion: kind publishes one per minor). The guide's
// bitnami/kubectl no longer publishes version tags, so kubectl is alpine/k8s at
// the node's version — a tag pushed by hand, which lags behind patches: the
// workflow names one per row (KUBECTL_IMAGE) and checks it exists.
func Published(k8sVersion string) map[string]string {
	node, version, ok := KindNode(k8sVersion)
	if !ok {
		node, version = "kindest/node:"+k8sVersion, k8sVersion
	}
	return map[string]string{
		"curl":    "curlimages/curl:8.16.0",
		"python":  "inpod/probe-python:published",
		"go":      "inpod/probe-go:published",
		"kubectl": "alpine/k8s:" + strings.TrimPrefix(version, "v"),
		"node":    node,
	}
}

// Recipe says how an image of the published set is built here instead of
// pulled: a Dockerfile (File, Context: paths relative to the repository root)
// or one of GoImages (Go), cross-compiled on GoBase for this host's platform.
type Recipe struct {
	File, Context string
	Go            string
}

func (r Recipe) String() string {
	if r.Go != "" {
		return "GoImages " + r.Go + " on " + strings.SplitN(GoBase, "@", 2)[0]
	}
	return r.File
}

// Built lists the published-set images built here when missing: the same
// recipes the release builds (scripts/release.sh).
var Built = map[string]Recipe{
	"inpod/probe-python:published": {File: "manifests/probes/python/Dockerfile.probe", Context: "manifests/probes/python"},
	"inpod/probe-go:published":     {Go: "probe-go"},
	"inpod/suite:published":        {Go: "suite"},
}

// Suite is the suite image the in-cluster Job runs for mode, unless SUITE_IMAGE says otherwise.
func Suite(mode config.ImageMode, override string) string {
	if override != "" {
		return override
	}
	return "inpod/suite:" + string(mode)
}

// Offline references: what scripts/images builds with no registry.
func Offline(k8sVersion string) map[string]string {
	return map[string]string{
		"curl":    "inpod/probe-curl:offline",
		"python":  "inpod/probe-python:offline",
		"go":      "inpod/probe-go:offline",
		"kubectl": "inpod/probe-kubectl:" + k8sVersion,
		"node":    "inpod/kind-node:" + k8sVersion,
	}
}

// Set is the resolved image set of a run.
type Set struct {
	Mode   config.ImageMode // published or offline, never auto
	Reason string           // one line: why this set
	Refs   map[string]string
}

// Probe reports whether a registry answers at addr; nil means it does.
type Probe func(ctx context.Context, addr string) error

// DialProbe opens a TCP connection: enough to tell "no such host" from a registry.
func DialProbe(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return conn.Close()
}

// Resolve picks the set for cfg. In auto mode it asks probe about each of mirrors
// (the Docker engine's mirrors for docker.io, through which it would pull) and
// then cfg.RegistryProbe, each bounded by a few seconds: the published set when
// one answers.
func Resolve(ctx context.Context, cfg *config.Config, probe Probe, mirrors ...string) Set {
	s := Set{Mode: cfg.Images}
	switch cfg.Images {
	case config.ImagesPublished:
		s.Reason = "images: published set (IMAGES=published)"
	case config.ImagesOffline:
		s.Reason = "images: offline set (IMAGES=offline)"
	default:
		var failed []string
		for _, addr := range append(mirrors, cfg.RegistryProbe) {
			pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			err := probe(pctx, addr)
			cancel()
			if err == nil {
				s.Mode = config.ImagesPublished
				s.Reason = fmt.Sprintf("images: published set (IMAGES=auto and %s answers)", addr)
				break
			}
			failed = append(failed, fmt.Sprintf("%s does not answer: %v", addr, shortErr(err)))
		}
		if s.Mode != config.ImagesPublished {
			s.Mode = config.ImagesOffline
			s.Reason = fmt.Sprintf("images: offline set (IMAGES=auto and %s)", strings.Join(failed, "; "))
		}
	}
	if s.Mode == config.ImagesPublished {
		s.Refs = Published(cfg.K8sVersion)
	} else {
		s.Refs = Offline(cfg.K8sVersion)
	}
	var over []string
	for m, ref := range cfg.ImageOverrides {
		s.Refs[m] = ref
		over = append(over, m+"="+ref)
	}
	if cfg.NodeImage != "" {
		s.Refs["node"] = cfg.NodeImage
		over = append(over, "node="+cfg.NodeImage)
	}
	if len(over) > 0 {
		sort.Strings(over)
		s.Reason += "; overrides: " + strings.Join(over, ", ")
	}
	return s
}

// Probes lists the probe images (not the node image), sorted, for loading into a cluster.
func (s Set) Probes() []string {
	var refs []string
	for _, m := range config.Methods {
		refs = append(refs, s.Refs[m])
	}
	sort.Strings(refs)
	return refs
}

func shortErr(err error) string {
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 && strings.Contains(msg, "lookup") {
		return strings.TrimSpace(msg[i+2:])
	}
	return msg
}
