package images

import (
	"archive/tar"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

func TestParsePlatforms(t *testing.T) {
	ps, err := ParsePlatforms("linux/amd64, linux/arm64")
	if err != nil || len(ps) != 2 || ps[1].Architecture != "arm64" {
		t.Fatalf("%v %v", ps, err)
	}
	for _, bad := range []string{"linux", "", "/amd64"} {
		if _, err := ParsePlatforms(bad); err == nil || !strings.Contains(err.Error(), "is not OS/ARCH") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

func TestFilesLayerIsReproducibleAndHoldsTheFiles(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "b")
	if err := os.WriteFile(bin, []byte("ELF"), 0o600); err != nil {
		t.Fatal(err)
	}
	mk := func() v1.Layer {
		l, err := FilesLayer(map[string]string{"/app/b": bin}, map[string][]byte{"/etc/passwd": []byte("root"), "/tmp/": nil})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	a, b := mk(), mk()
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Fatalf("same inputs, two digests: %s %s", da, db)
	}
	rc, err := a.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	modes := map[string]int64{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		modes[h.Name] = h.Mode
	}
	want := map[string]int64{"app/": 0o755, "etc/": 0o755, "tmp/": 0o1777, "app/b": 0o755, "etc/passwd": 0o644}
	for n, m := range want {
		if modes[n] != m {
			t.Errorf("%s: mode %o, want %o (all: %v)", n, modes[n], m, modes)
		}
	}
}

// TestGoImageIsBuiltForEachPlatformOfTheBase builds a main for two platforms
// on the stand-in base in an in-memory registry, and refuses a platform the
// base does not serve.
func TestGoImageIsBuiltForEachPlatformOfTheBase(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles a main for two platforms")
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	ctx := context.Background()
	ps, _ := ParsePlatforms("linux/amd64,linux/arm64")
	if _, err := PushStaticBase(ctx, host+"/base:1", ps, "/etc/hostname"); err != nil {
		t.Fatal(err)
	}
	g := GoImage{Name: "hello", Dir: "/app", Binaries: []GoBinary{{Package: "./testdata/hello", Name: "hello"}},
		Config: v1.Config{Cmd: []string{"/app/hello"}, User: "65532:65532", Env: []string{"HOME=/tmp"}}}
	d, err := BuildGoImage(ctx, GoBuildInput{Image: g, Base: host + "/base:1", Platforms: ps, Root: ".", To: host + "/hello:1"})
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := BaseImages(ctx, host+"/hello:1", ps)
	if err != nil {
		t.Fatal(err)
	}
	for i, img := range imgs {
		cf, _ := img.ConfigFile()
		if cf.Architecture != ps[i].Architecture || cf.Config.Cmd[0] != "/app/hello" || cf.Config.User != "65532:65532" || cf.Config.WorkingDir != "/home/nonroot" {
			t.Errorf("%s: config %+v", ps[i], cf.Config)
		}
		if !contains(cf.Config.Env, "HOME=/tmp") || !contains(cf.Config.Env, StaticBaseFacts.Env[0]) {
			t.Errorf("%s: env %v", ps[i], cf.Config.Env)
		}
		if layers, _ := img.Layers(); len(layers) != 2 {
			t.Errorf("%s: %d layers, want base + binaries", ps[i], len(layers))
		}
	}
	if desc, err := remote.Head(mustRef(t, host+"/hello:1")); err != nil || desc.Digest.String() != d {
		t.Errorf("pushed %s, registry has %v (%v)", d, desc, err)
	}
	s390, _ := ParsePlatforms("linux/s390x")
	if _, err := BuildGoImage(ctx, GoBuildInput{Image: g, Base: host + "/base:1", Platforms: s390, Root: ".", To: host + "/hello:2"}); err == nil || !strings.Contains(err.Error(), "has no linux/s390x image") {
		t.Errorf("a platform the base lacks: %v", err)
	}
}

func contains(s []string, v string) bool {
	for _, e := range s {
		if e == v {
			return true
		}
	}
	return false
}

func mustRef(t *testing.T, s string) name.Reference {
	r, err := name.ParseReference(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
