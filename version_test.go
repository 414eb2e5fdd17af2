package inpod

import (
	"os"
	"regexp"
	"testing"
)

// Files that cannot read K8S_VERSION name it literally; they must say the same.
func TestK8sVersionIsTheOneDefault(t *testing.T) {
	v := K8sVersion()
	if !regexp.MustCompile(`^v1\.\d+\.\d+$`).MatchString(v) {
		t.Fatalf("K8S_VERSION holds %q, want vMAJOR.MINOR.PATCH", v)
	}
	kust, err := os.ReadFile("manifests/job/kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tag := regexp.MustCompile(`(?m)name: inpod/results\n\s+newName: inpod/probe-kubectl\n\s+newTag: (\S+)`).FindSubmatch(kust)
	if tag == nil || string(tag[1]) != v {
		t.Errorf("manifests/job/kustomization.yaml: inpod/results tag %q, want K8S_VERSION %s", tag, v)
	}
}
