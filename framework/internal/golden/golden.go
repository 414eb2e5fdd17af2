// Package golden compares a test's rendered output with a file under testdata;
// UPDATE_GOLDEN=1 writes the file instead.
package golden

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/inpod/inpod/framework/config"
)

// Check fails t when got differs from testdata/name.
func Check(t testing.TB, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if config.Env("UPDATE_GOLDEN") == "1" {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (UPDATE_GOLDEN=1 go test writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from what was rendered (UPDATE_GOLDEN=1 to accept):\n%s", path, got)
	}
}
