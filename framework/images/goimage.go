package images

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// A GoImage is one of inpod's images that holds only Go programs: built the way
// ko builds an image — each platform's binaries cross-compiled by the host's Go
// toolchain (CGO off, so no emulator), one layer appended to the base's image for
// that platform — and pushed as an index of them. ko itself builds one main per
// image; the suite image holds two compiled test suites (go test -c) and the Go
// probe two mains, so inpod assembles them with go-containerregistry, the
// library ko is built on. This table is the images' build file.
type GoImage struct {
	Name     string     // the repository's last element: suite, probe-go
	Binaries []GoBinary // compiled into Dir
	Dir      string     // where the binaries go in the image
	Config   v1.Config  // Entrypoint, Cmd, Env, User set over the base's
}

// GoBinary is one program of a GoImage: a main (go build) or a test suite (go test -c).
type GoBinary struct {
	Package string // ./suites/inpod
	Test    bool   // go test -c
	Name    string // the file's name in Dir
}

// GoImages are inpod's Go images, as the release publishes them.
var GoImages = []GoImage{
	{
		Name: "suite",
		Binaries: []GoBinary{
			{Package: "./suites/inpod", Test: true, Name: "inpod.test"},
			{Package: "./suites/verify", Test: true, Name: "verify.test"},
		},
		Dir: "/usr/local/bin",
		Config: v1.Config{
			Entrypoint: []string{"/usr/local/bin/inpod.test"},
			Env:        []string{"HOME=/tmp", "INPOD_PROVIDER=in-cluster", "REPORT_DIR=/results"},
			User:       "65532:65532",
		},
	},
	{
		Name: "probe-go",
		Binaries: []GoBinary{
			{Package: "./manifests/probes/go", Name: "guide-main"},
			{Package: "./manifests/probes/go/request", Name: "inpod-request"},
		},
		Dir: "/app",
		Config: v1.Config{
			Cmd:  []string{"/app/inpod-request", "sleep"},
			User: "65532:65532",
		},
	},
}

// GoBase is the base of the published Go images: distroless static (root,
// nonroot 65532, /tmp, CA certificates, no shell), pinned by the digest three
// public Dockerfiles pin it at; the release workflow fetches it from gcr.io.
const GoBase = "gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639"

// LookupGoImage is the GoImage called name.
func LookupGoImage(name string) (GoImage, bool) {
	for _, g := range GoImages {
		if g.Name == name {
			return g, true
		}
	}
	return GoImage{}, false
}

// GoBuildInput says what to build and where it goes.
type GoBuildInput struct {
	Image     GoImage
	Base      string        // a reference to an index or an image; "" = GoBase
	Platforms []v1.Platform // each must be in the base
	Root      string        // the module's root
	To        string        // the reference pushed (an index when several platforms)
	Log       func(format string, args ...any)
}

// ParsePlatforms reads "linux/amd64,linux/arm64".
func ParsePlatforms(s string) ([]v1.Platform, error) {
	var ps []v1.Platform
	for _, f := range strings.Split(s, ",") {
		p, err := v1.ParsePlatform(strings.TrimSpace(f))
		if err != nil || p.OS == "" || p.Architecture == "" {
			return nil, fmt.Errorf("platform %q is not OS/ARCH (linux/amd64)", f)
		}
		ps = append(ps, *p)
	}
	return ps, nil
}

func remoteOpts(ctx context.Context) []remote.Option {
	return []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain)}
}

// BuildGoImage builds in.Image for each platform on in.Base and pushes it to
// in.To; it returns the pushed digest.
func BuildGoImage(ctx context.Context, in GoBuildInput) (string, error) {
	if in.Base == "" {
		in.Base = GoBase
	}
	if in.Log == nil {
		in.Log = func(string, ...any) {}
	}
	to, err := name.ParseReference(in.To)
	if err != nil {
		return "", fmt.Errorf("--to %q: %w", in.To, err)
	}
	bases, err := BaseImages(ctx, in.Base, in.Platforms)
	if err != nil {
		return "", err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for i, p := range in.Platforms {
		layer, err := in.Image.layer(ctx, in.Root, p)
		if err != nil {
			return "", err
		}
		img, err := withLayer(bases[i], layer, in.Image.Config)
		if err != nil {
			return "", fmt.Errorf("%s for %s: %w", in.Image.Name, p, err)
		}
		d, _ := img.Digest()
		in.Log("%s %s: %s", in.Image.Name, p.String(), d)
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	if err := remote.WriteIndex(to, idx, remoteOpts(ctx)...); err != nil {
		return "", fmt.Errorf("pushing %s: %w", in.To, err)
	}
	d, err := idx.Digest()
	return d.String(), err
}

// BaseImages are base's images for platforms, in order: from an index, each
// platform's entry; a single image serves only its own platform.
func BaseImages(ctx context.Context, base string, platforms []v1.Platform) ([]v1.Image, error) {
	ref, err := name.ParseReference(base)
	if err != nil {
		return nil, fmt.Errorf("base %q: %w", base, err)
	}
	desc, err := remote.Get(ref, remoteOpts(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("base %s: %w", base, err)
	}
	served := ""
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, fmt.Errorf("base %s: %w", base, err)
		}
		m, err := idx.IndexManifest()
		if err != nil {
			return nil, fmt.Errorf("base %s: %w", base, err)
		}
		var list []string
		for _, d := range m.Manifests {
			if d.Platform != nil {
				list = append(list, d.Platform.String())
			}
		}
		served = strings.Join(list, ", ")
	}
	var out []v1.Image
	for _, p := range platforms {
		img, err := remote.Image(ref, append(remoteOpts(ctx), remote.WithPlatform(p))...)
		if err != nil && served != "" && !strings.Contains(served, p.String()) {
			return nil, fmt.Errorf("base %s has no %s image (it serves %s)", base, p, served)
		}
		if err != nil {
			return nil, fmt.Errorf("base %s for %s: %w", base, p, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, fmt.Errorf("base %s: config: %w", base, err)
		}
		if cf.OS != p.OS || cf.Architecture != p.Architecture {
			return nil, fmt.Errorf("base %s has no %s image (it serves %s/%s only)", base, p, cf.OS, cf.Architecture)
		}
		out = append(out, img)
	}
	return out, nil
}

// withLayer is base with layer on top and cfg's set fields over base's config.
func withLayer(base v1.Image, layer v1.Layer, cfg v1.Config) (v1.Image, error) {
	img, err := mutate.AppendLayers(base, layer)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	c := *cf.Config.DeepCopy()
	if cfg.Entrypoint != nil {
		c.Entrypoint = cfg.Entrypoint
		c.Cmd = nil
	}
	if cfg.Cmd != nil {
		c.Cmd = cfg.Cmd
	}
	if cfg.User != "" {
		c.User = cfg.User
	}
	c.Env = mergeEnv(c.Env, cfg.Env)
	return mutate.Config(img, c)
}

func mergeEnv(base, set []string) []string {
	out := append([]string(nil), base...)
	for _, kv := range set {
		k, _, _ := strings.Cut(kv, "=")
		i := slices.IndexFunc(out, func(e string) bool { return strings.HasPrefix(e, k+"=") })
		if i >= 0 {
			out[i] = kv
		} else {
			out = append(out, kv)
		}
	}
	return out
}

// layer compiles g's binaries for p and puts them in one layer.
func (g GoImage) layer(ctx context.Context, root string, p v1.Platform) (v1.Layer, error) {
	tmp, err := os.MkdirTemp("", "inpod-goimage-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	files := map[string]string{}
	for _, b := range g.Binaries {
		out := filepath.Join(tmp, b.Name)
		args := []string{"build", "-trimpath", "-ldflags", "-s -w", "-o", out, b.Package}
		if b.Test {
			args = []string{"test", "-c", "-trimpath", "-ldflags", "-s -w", "-o", out, b.Package}
		}
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Architecture)
		if p.Variant != "" && p.Architecture == "arm" {
			cmd.Env = append(cmd.Env, "GOARM="+strings.TrimPrefix(p.Variant, "v"))
		}
		if msg, err := cmd.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go %s for %s: %v: %s", strings.Join(args[:2], " "), p, err, lastLine(msg))
		}
		files[path.Join(g.Dir, b.Name)] = out
	}
	return FilesLayer(files, nil)
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// FilesLayer is a layer holding each image path → host file (mode 0755, root)
// and each image path → content (mode 0644), with their parent directories; the
// times are zero so the same inputs give the same digest.
func FilesLayer(files map[string]string, content map[string][]byte) (v1.Layer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	dirs := map[string]bool{}
	var paths []string
	for p := range files {
		paths = append(paths, p)
	}
	for p := range content {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	epoch := time.Unix(0, 0)
	for _, p := range paths {
		for d := path.Dir(p); d != "/" && !dirs[d]; d = path.Dir(d) {
			dirs[d] = true
		}
	}
	var dirList []string
	for d := range dirs {
		dirList = append(dirList, d)
	}
	sort.Strings(dirList)
	for _, d := range dirList {
		mode := int64(0o755)
		if d == "/tmp" {
			mode = 0o1777
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeDir, Name: strings.TrimPrefix(d, "/") + "/", Mode: mode, ModTime: epoch}); err != nil {
			return nil, err
		}
	}
	for _, p := range paths {
		data, mode := content[p], int64(0o644)
		if src, ok := files[p]; ok {
			b, err := os.ReadFile(src)
			if err != nil {
				return nil, err
			}
			data, mode = b, 0o755
		}
		if strings.HasSuffix(p, "/") { // a directory of its own
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: strings.TrimPrefix(p, "/"), Mode: mode, Size: int64(len(data)), ModTime: epoch}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	b := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
}

// StaticBaseFacts is what the stand-in for GoBase reproduces of distroless
// static (read from GoogleContainerTools/distroless base/README.md and
// base/base.bzl): users root and nonroot (65532), /tmp world-writable, the CA
// bundle at /etc/ssl/certs/ca-certificates.crt, no shell, the config's USER
// 65532, WORKDIR /home/nonroot and PATH. Not reproduced: tzdata, netbase, the
// os-release of Debian 12, /home/nonroot owned by 65532, the bytes.
var StaticBaseFacts = v1.Config{
	User:       "65532",
	WorkingDir: "/home/nonroot",
	Env: []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
	},
}

// PushStaticBase pushes the stand-in for GoBase to `to`, one image per
// platform (its files hold no machine code, so one layer serves them all),
// with caBundle (this host's CA bundle) as its certificates.
func PushStaticBase(ctx context.Context, to string, platforms []v1.Platform, caBundle string) (string, error) {
	ref, err := name.ParseReference(to)
	if err != nil {
		return "", fmt.Errorf("--to %q: %w", to, err)
	}
	ca, err := os.ReadFile(caBundle)
	if err != nil {
		return "", err
	}
	layer, err := FilesLayer(nil, map[string][]byte{
		"/etc/passwd":                        []byte("root:x:0:0:root:/root:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"),
		"/etc/group":                         []byte("root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n"),
		"/etc/nsswitch.conf":                 []byte("hosts: files dns\n"),
		"/etc/ssl/certs/ca-certificates.crt": ca,
		"/tmp/":                              nil,
		"/home/nonroot/":                     nil,
	})
	if err != nil {
		return "", err
	}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range platforms {
		img, err := mutate.ConfigFile(mutate.MediaType(empty.Image, types.OCIManifestSchema1), &v1.ConfigFile{
			OS: p.OS, Architecture: p.Architecture, Variant: p.Variant,
			Config: StaticBaseFacts, RootFS: v1.RootFS{Type: "layers"},
		})
		if err != nil {
			return "", err
		}
		if img, err = mutate.AppendLayers(img, layer); err != nil {
			return "", err
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: &p}})
	}
	if err := remote.WriteIndex(ref, idx, remoteOpts(ctx)...); err != nil {
		return "", fmt.Errorf("pushing %s: %w", to, err)
	}
	d, err := idx.Digest()
	return d.String(), err
}

// SaveGoImage builds g for this host's linux platform on base ("" = GoBase)
// and writes it to file as a tarball `docker load` reads, tagged tag.
func SaveGoImage(ctx context.Context, g GoImage, base, root, tag, file string) error {
	if base == "" {
		base = GoBase
	}
	t, err := name.NewTag(tag)
	if err != nil {
		return fmt.Errorf("tag %q: %w", tag, err)
	}
	p := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	bases, err := BaseImages(ctx, base, []v1.Platform{p})
	if err != nil {
		return err
	}
	layer, err := g.layer(ctx, root, p)
	if err != nil {
		return err
	}
	img, err := withLayer(bases[0], layer, g.Config)
	if err != nil {
		return err
	}
	return tarball.WriteToFile(file, t, img)
}
