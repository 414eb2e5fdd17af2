package provider

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"sigs.k8s.io/e2e-framework/klient/decoder"
)

const multiNode = "../../manifests/kind/profiles/multi-node.yaml"

func TestAddonsForFindsTheFolderBesideTheConfig(t *testing.T) {
	if AddonsFor("../../manifests/kind/cluster-offline.yaml") != nil {
		t.Error("cluster-offline.yaml has no addons folder, but AddonsFor found one")
	}
	if AddonsFor(filepath.Join(t.TempDir(), "no-such.yaml")) != nil {
		t.Error("a missing config has no addons")
	}
	if AddonsFor(multiNode) == nil {
		t.Fatal("multi-node.yaml: its addons folder multi-node/ was not found")
	}
}

// The multi-node addons may only name images the offline build makes: cni.sh's
// kube-router tag.
func TestMultiNodeAddonImagesAreBuiltByCNIScript(t *testing.T) {
	objs, err := decoder.DecodeAllFiles(context.Background(), AddonsFor(multiNode), "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile("../../scripts/images/cni.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`KUBE_ROUTER_VERSION:=(\S+)}`).FindSubmatch(script)
	if m == nil {
		t.Fatal("cni.sh sets no default KUBE_ROUTER_VERSION")
	}
	want := "inpod/kube-router:" + string(m[1])
	got := AddonImages(objs)
	if len(got) != 1 || got[0] != want {
		t.Errorf("addon images = %v, want [%s] (the tag cni.sh builds)", got, want)
	}
}
