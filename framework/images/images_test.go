package images

import (
	"context"
	"errors"
	"os"
	"path/filepath"
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
	if s.Mode != config.ImagesPublished || s.Refs["curl"] != "curlimages/curl:8.16.0" || s.Refs["node"] != KindNodes[1] {
		t.Fatalf("got %+v", s)
	}
}

func TestAutoUsesPublishedWhenOnlyTheEnginesMirrorAnswers(t *testing.T) {
	var asked []string
	s := Resolve(context.Background(), cfg(config.ImagesAuto), func(_ context.Context, addr string) error {
		asked = append(asked, addr)
		if addr == "127.0.0.1:5000" {
			return nil
		}
		return errors.New("dial tcp: lookup registry.example: no such host")
	}, "127.0.0.1:5000")
	if s.Mode != config.ImagesPublished || !strings.Contains(s.Reason, "127.0.0.1:5000 answers") {
		t.Fatalf("got %s: %s", s.Mode, s.Reason)
	}
	if len(asked) != 1 {
		t.Errorf("the mirror is asked first and answers; asked %q", asked)
	}
}

func TestAutoOfflineNamesEveryAddressThatDidNotAnswer(t *testing.T) {
	s := Resolve(context.Background(), cfg(config.ImagesAuto), func(context.Context, string) error {
		return errors.New("connect: connection refused")
	}, "127.0.0.1:5000")
	if s.Mode != config.ImagesOffline || !strings.Contains(s.Reason, "127.0.0.1:5000 does not answer") || !strings.Contains(s.Reason, "registry.example:443 does not answer") {
		t.Fatalf("got %s: %s", s.Mode, s.Reason)
	}
}

func TestEveryPublishedImageIsPinned(t *testing.T) {
	for m, ref := range Published("v1.36.3") {
		name, tag, ok := strings.Cut(ref[strings.LastIndex(ref, "/")+1:], ":")
		if !ok || tag == "" || tag == "latest" {
			t.Errorf("%s: %s (%s) is not pinned by a version tag", m, ref, name)
		}
	}
	if got := Published("v1.36.3")["kubectl"]; got != "alpine/k8s:1.36.4" {
		t.Errorf("kubectl must follow the node's version (kind publishes v1.36.4): %s", got)
	}
}

// kind publishes one node image per minor: K8S_VERSION's patch maps to it; a
// minor kind does not list keeps its own tag (and fails to pull, saying so).
func TestPublishedNodeIsOneKindLists(t *testing.T) {
	for v, want := range map[string]string{"v1.37.2": KindNodes[0], "v1.37.0": KindNodes[0], "v1.35.4": KindNodes[2], "v1.30.1": "kindest/node:v1.30.1"} {
		if got := Published(v)["node"]; got != want {
			t.Errorf("%s: node %s, want %s", v, got, want)
		}
	}
}

// The e2e workflow's published rows are exactly the node images kind lists.
func TestWorkflowNodesAreKindsList(t *testing.T) {
	data, err := os.ReadFile("../../.github/workflows/e2e.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range strings.Split(string(data), "\n") {
		if _, ref, ok := strings.Cut(l, "node: "); ok && strings.HasPrefix(ref, "kindest/node:") {
			got = append(got, strings.TrimSpace(ref))
		}
	}
	if strings.Join(got, " ") != strings.Join(KindNodes, " ") {
		t.Errorf("workflow rows %q, kind's list %q", got, KindNodes)
	}
}

func TestPublishedImagesBuiltHereHaveTheirRecipe(t *testing.T) {
	pub := Published("v1.36.3")
	for _, m := range []string{"python", "go"} {
		if _, ok := Built[pub[m]]; !ok {
			t.Errorf("%s: %s is neither pulled nor listed in Built", m, pub[m])
		}
	}
	if _, ok := Built[Suite(config.ImagesPublished, "")]; !ok {
		t.Error("the published suite image has no recipe")
	}
	if Suite(config.ImagesOffline, "") != "inpod/suite:offline" || Suite(config.ImagesPublished, "r/s:1") != "r/s:1" {
		t.Error("Suite")
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

func TestBuiltRecipesExist(t *testing.T) {
	for ref, r := range Built {
		if r.Go != "" {
			if _, ok := LookupGoImage(r.Go); !ok {
				t.Errorf("%s: no Go image %q", ref, r.Go)
			}
			continue
		}
		for _, p := range []string{r.File, r.Context} {
			if _, err := os.Stat(filepath.Join("..", "..", p)); err != nil {
				t.Errorf("%s: %v", ref, err)
			}
		}
	}
}
