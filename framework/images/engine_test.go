package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// fakeEngine records what PullImages asks of it.
type fakeEngine struct {
	present map[string]bool
	fail    map[string]error
	mirrors []string
	calls   []string
}

func (f *fakeEngine) Present(_ context.Context, ref string) bool { return f.present[ref] }
func (f *fakeEngine) Pull(_ context.Context, ref string, _ time.Duration) error {
	f.calls = append(f.calls, "pull "+ref)
	return f.fail[ref]
}
func (f *fakeEngine) Build(_ context.Context, ref string, r Recipe, _ time.Duration) error {
	f.calls = append(f.calls, "build "+ref+" "+r.String())
	return f.fail[ref]
}
func (f *fakeEngine) Mirrors(context.Context) []string { return f.mirrors }

func TestPullImagesPullsOrBuildsOnlyWhatIsMissingOneLineEach(t *testing.T) {
	node := "kindest/node:v1.37.2@sha256:" + strings.Repeat("a", 64)
	e := &fakeEngine{present: map[string]bool{"curlimages/curl:8.16.0": true}}
	var lines []string
	err := PullImages(context.Background(), PullInput{
		Refs:   []string{node, "curlimages/curl:8.16.0", "inpod/probe-go:published", "registry.k8s.io/kubectl:v1.37.2"},
		Build:  map[string]Recipe{"inpod/probe-go:published": {Go: "probe-go"}, "inpod/probe-python:published": {File: "manifests/probes/python/Dockerfile.probe"}},
		Engine: e,
		Log:    func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) },
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"pull " + node, "build inpod/probe-go:published GoImages probe-go on gcr.io/distroless/static-debian12:nonroot", "pull registry.k8s.io/kubectl:v1.37.2"}
	if !reflect.DeepEqual(e.calls, want) {
		t.Fatalf("calls %q, want %q", e.calls, want)
	}
	if len(lines) != 4 {
		t.Fatalf("want one line per image, got %q", lines)
	}
	for i, sub := range []string{"docker pull from docker.io", "present", "built from GoImages probe-go on gcr.io/distroless/static-debian12:nonroot", "docker pull from registry.k8s.io"} {
		if !strings.Contains(lines[i], sub) {
			t.Errorf("line %d %q does not say %q", i, lines[i], sub)
		}
	}
}

func TestPullFailureIsOneLineNamingImageAndRegistry(t *testing.T) {
	for name, tc := range map[string]struct {
		ref, mirror, want string
	}{
		"docker.io":      {"curlimages/curl:8.16.0", "", "pull curlimages/curl:8.16.0 from docker.io failed: docker pull: dial tcp: lookup registry-1.docker.io: no such host"},
		"through mirror": {"alpine/k8s:1.37.2", "http://127.0.0.1:5000/", "pull alpine/k8s:1.37.2 from docker.io (through the engine's mirror http://127.0.0.1:5000/) failed"},
		"other registry": {"ghcr.io/x/y:1", "http://127.0.0.1:5000/", "pull ghcr.io/x/y:1 from ghcr.io failed"},
	} {
		t.Run(name, func(t *testing.T) {
			e := &fakeEngine{fail: map[string]error{tc.ref: errors.New("docker pull: dial tcp: lookup registry-1.docker.io: no such host")}}
			if tc.mirror != "" {
				e.mirrors = []string{tc.mirror}
			}
			err := PullImages(context.Background(), PullInput{Refs: []string{tc.ref, "never/reached:1"}, Engine: e})
			wantOneLine(t, err, tc.want)
			if len(e.calls) != 1 {
				t.Errorf("the first failure must stop the pulls: %q", e.calls)
			}
		})
	}
}

func TestBadReferenceIsOneLineBeforeAnyPull(t *testing.T) {
	e := &fakeEngine{}
	err := PullImages(context.Background(), PullInput{Refs: []string{"Kindest/Node:v1"}, Engine: e})
	wantOneLine(t, err, `image reference "Kindest/Node:v1"`)
	if len(e.calls) != 0 {
		t.Errorf("pulled a bad reference: %q", e.calls)
	}
}

func TestRegistry(t *testing.T) {
	for ref, want := range map[string]string{
		"curlimages/curl:8.16.0": "docker.io",
		"busybox:1.37.0":         "docker.io",
		"kindest/node:v1.37.0@sha256:" + strings.Repeat("b", 64): "docker.io",
		"registry.k8s.io/kubectl:v1.37.2":                        "registry.k8s.io",
		"127.0.0.1:5000/kindest/node:v1.37.2":                    "127.0.0.1:5000",
		"localhost/inpod/x:1":                                    "localhost",
	} {
		if got, err := Registry(ref); err != nil || got != want {
			t.Errorf("Registry(%q) = %q, %v; want %q", ref, got, err, want)
		}
	}
}

func TestMirrorAddrs(t *testing.T) {
	got := MirrorAddrs([]string{"http://127.0.0.1:5000/", "https://mirror.example/", "http://m.example", "::bad"})
	want := []string{"127.0.0.1:5000", "mirror.example:443", "m.example:80"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// A pull that hangs is cut at its bound and says so in one line.
func TestPullIsBounded(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte("#!/bin/sh\nexec sleep 30\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	start := time.Now()
	err := PullImages(context.Background(), PullInput{Refs: []string{"curlimages/curl:8.16.0"}, Timeout: 300 * time.Millisecond,
		Engine: boundedOnly{LocalDocker{}}})
	wantOneLine(t, err, "pull curlimages/curl:8.16.0 from docker.io failed: docker pull: no answer within 300ms")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s", d)
	}
}

// boundedOnly is the local engine with nothing present and no mirrors, so only
// the pull itself runs the (fake) docker CLI.
type boundedOnly struct{ LocalDocker }

func (boundedOnly) Present(context.Context, string) bool { return false }
func (boundedOnly) Mirrors(context.Context) []string     { return nil }

// wantOneLine: err is one line saying want.
func wantOneLine(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), want) {
		t.Errorf("want one line saying %q, got %v", want, err)
	}
}
