package images

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/inpod/inpod/framework/config"
)

func cfg(mode config.ImageMode) *config.Config {
	return &config.Config{Images: mode, K8sVersion: "v1.36.3", RegistryProbe: "registry.example:443", ImageOverrides: map[string]string{}}
}

func TestAutoFallsBackToOfflineWhenNoRegistryAnswers(t *testing.T) {
	s := Resolve(context.Background(), cfg(config.ImagesAuto), func(context.Context, string) error {
		return errors.New("dial tcp: lookup registry.example: no such host")
	})
	if s.Mode != config.ImagesOffline || s.Refs["node"] != "inpod/kind-node:v1.36.3" || s.Refs["kubectl"] != "inpod/probe-kubectl:v1.36.3" {
		t.Fatalf("got %+v", s)
	}
	if !strings.Contains(s.Reason, "offline") || !strings.Contains(s.Reason, "no such host") {
		t.Errorf("reason should say offline and why: %q", s.Reason)
	}
}

func TestAutoUsesPublishedWhenRegistryAnswers(t *testing.T) {
	s := Resolve(context.Background(), cfg(config.ImagesAuto), func(context.Context, string) error { return nil })
	if s.Mode != config.ImagesPublished || s.Refs["curl"] != "curlimages/curl:latest" || s.Refs["node"] != "kindest/node:v1.36.3" {
		t.Fatalf("got %+v", s)
	}
}

func TestExplicitModeDoesNotProbe(t *testing.T) {
	probe := func(context.Context, string) error { t.Fatal("probed"); return nil }
	if s := Resolve(context.Background(), cfg(config.ImagesOffline), probe); s.Mode != config.ImagesOffline {
		t.Fatal(s.Mode)
	}
	if s := Resolve(context.Background(), cfg(config.ImagesPublished), probe); s.Mode != config.ImagesPublished {
		t.Fatal(s.Mode)
	}
}

func TestOverridesWinAndAreReported(t *testing.T) {
	c := cfg(config.ImagesOffline)
	c.ImageOverrides["go"] = "registry.local/go:1"
	c.NodeImage = "registry.local/node:1"
	s := Resolve(context.Background(), c, nil)
	if s.Refs["go"] != "registry.local/go:1" || s.Refs["node"] != "registry.local/node:1" {
		t.Fatalf("got %+v", s.Refs)
	}
	if !strings.Contains(s.Reason, "go=registry.local/go:1") {
		t.Errorf("reason: %q", s.Reason)
	}
	if got := s.Probes(); len(got) != 4 {
		t.Errorf("probes: %v", got)
	}
}
