package provider

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/inpod/inpod/framework/images"
)

// Bad input must give one clear line within seconds, never a hang.
const badInputBound = 10 * time.Second

func testKubeconfig(t *testing.T, server string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "` + server + `", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: t}
contexts:
- name: ctx
  context: {cluster: c, user: u}
current-context: ctx
`
	if err := os.WriteFile(p, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func expectOneLine(t *testing.T, start time.Time, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error")
	}
	if d := time.Since(start); d > badInputBound {
		t.Errorf("took %s, want under %s", d, badInputBound)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans lines: %q", err)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

func TestMissingKubeconfig(t *testing.T) {
	start := time.Now()
	_, err := FromKubeconfig(context.Background(), "/nonexistent/kubeconfig", "", 5*time.Second)
	expectOneLine(t, start, err, "kubeconfig /nonexistent/kubeconfig does not exist")
}

func TestUnreachableAPIServer(t *testing.T) {
	start := time.Now()
	_, err := FromKubeconfig(context.Background(), testKubeconfig(t, "https://127.0.0.1:1"), "", 5*time.Second)
	expectOneLine(t, start, err, "the API server at https://127.0.0.1:1 does not answer")
}

func TestContextThatDoesNotExist(t *testing.T) {
	start := time.Now()
	p := testKubeconfig(t, "https://127.0.0.1:1")
	_, err := FromKubeconfig(context.Background(), p, "nope", 5*time.Second)
	expectOneLine(t, start, err, `has no context "nope"`)
}

func TestMissingProbeImage(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker client on this machine: the missing-image check needs a Docker engine")
	}
	if err := images.DockerAnswers(context.Background()); err != nil {
		t.Skip("no Docker engine answers here (" + err.Error() + "): the missing-image check needs one")
	}
	start := time.Now()
	_, err := Kind(context.Background(), KindInput{
		Name: "inpod-bad-input", NodeImage: "inpod/does-not-exist:node",
		Kubeconfig: filepath.Join(t.TempDir(), "kc"),
	})
	expectOneLine(t, start, err, "kind node image inpod/does-not-exist:node is not in the local Docker engine")
}
