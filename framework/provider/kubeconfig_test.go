package provider

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Every KUBECONFIG entry counts, as for kubectl: a context defined only in the
// second file is found, and a missing first file is skipped.
func TestKubeconfigListIsMerged(t *testing.T) {
	second := testKubeconfig(t, "https://127.0.0.1:1")
	first := filepath.Join(t.TempDir(), "first")
	if err := os.WriteFile(first, []byte("apiVersion: v1\nkind: Config\npreferences: {}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	list := filepath.Join(t.TempDir(), "missing") + string(filepath.ListSeparator) + first + string(filepath.ListSeparator) + second
	start := time.Now()
	_, err := FromKubeconfig(context.Background(), list, "ctx", 3*time.Second)
	expectOneLine(t, start, err, "the API server at https://127.0.0.1:1 does not answer")
}

func TestKubeconfigFromEnvironment(t *testing.T) {
	t.Setenv("KUBECONFIG", testKubeconfig(t, "https://127.0.0.1:1"))
	start := time.Now()
	_, err := FromKubeconfig(context.Background(), "", "", 3*time.Second)
	expectOneLine(t, start, err, "the API server at https://127.0.0.1:1 does not answer")
}
