package run

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	kindv1alpha4 "sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"
)

func writeConfig(t *testing.T, in ClusterConfigInput) kindv1alpha4.Cluster {
	t.Helper()
	in.CacheDir, in.ClusterName, in.Log = t.TempDir(), "t", t.Logf
	p, err := WriteClusterConfig(in)
	if err != nil {
		t.Fatalf("profile %q: %v", in.Profile, err)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var c kindv1alpha4.Cluster
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		t.Fatalf("profile %q: written config does not decode: %v", in.Profile, err)
	}
	return c
}

func TestEveryProfileResolvesForTheOfflineImage(t *testing.T) {
	want := []string{"max-token-expiration", "restricted", "token-extension-off"}
	for _, w := range want {
		if !strings.Contains(strings.Join(Profiles(), ","), w) {
			t.Errorf("profile %s is missing from %v", w, Profiles())
		}
	}
	for _, p := range Profiles() {
		c := writeConfig(t, ClusterConfigInput{Profile: p, OfflineImage: true})
		if !c.Networking.DisableDefaultCNI {
			t.Errorf("profile %s: the offline node image has no kindnet; disableDefaultCNI must stay on", p)
		}
		for _, n := range c.Nodes {
			for _, m := range n.ExtraMounts {
				if !filepath.IsAbs(m.HostPath) {
					t.Errorf("profile %s: hostPath %s is not absolute", p, m.HostPath)
				} else if _, err := os.Stat(m.HostPath); err != nil {
					t.Errorf("profile %s: mounted file not written: %v", p, err)
				}
			}
		}
	}
}

func TestProfileWithPublishedImageUsesKindsCNI(t *testing.T) {
	if c := writeConfig(t, ClusterConfigInput{Profile: "restricted"}); c.Networking.DisableDefaultCNI {
		t.Error("with the published node image the profile must use kind's CNI")
	}
}

func TestUnknownProfileNamesTheKnownOnes(t *testing.T) {
	_, err := WriteClusterConfig(ClusterConfigInput{Profile: "hardend", CacheDir: t.TempDir(), ClusterName: "t", Log: t.Logf})
	if err == nil || !strings.Contains(err.Error(), "restricted") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("want one line naming the known profiles, got %v", err)
	}
}
