package run

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	kindv1alpha4 "sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"

	"github.com/inpod/inpod/framework/provider"
	"github.com/inpod/inpod/manifests"
)

const profilesDir = "kind/profiles"

// Profiles lists the cluster profiles under manifests/kind/profiles, sorted.
func Profiles() []string {
	entries, _ := fs.ReadDir(manifests.FS, profilesDir)
	var names []string
	for _, e := range entries {
		n := e.Name()
		// -admission.yaml and -authentication.yaml files are mounted by a profile, not profiles.
		if strings.HasSuffix(n, ".yaml") && !strings.HasSuffix(n, "-admission.yaml") && !strings.HasSuffix(n, "-authentication.yaml") {
			names = append(names, strings.TrimSuffix(n, ".yaml"))
		}
	}
	sort.Strings(names)
	return names
}

// ProfileAddons is the profile's addons folder (kind/profiles/NAME/, the manifests
// its cluster needs before its nodes can become Ready, e.g. a CNI), nil if none.
func ProfileAddons(profile string) fs.FS {
	if profile == "" {
		return nil
	}
	dir := path.Join(profilesDir, profile)
	if st, err := fs.Stat(manifests.FS, dir); err != nil || !st.IsDir() {
		return nil
	}
	sub, err := fs.Sub(manifests.FS, dir)
	if err != nil {
		return nil
	}
	return sub
}

// ClusterConfigInput says which kind cluster config a run wants.
type ClusterConfigInput struct {
	Profile      string // "" = the default single-node cluster
	OfflineImage bool   // the node image is inpod's offline one (no kindnet inside)
	CacheDir     string // where the resolved config and its mounted files are written
	ClusterName  string
	Mirrors      bool // the node's containerd reads registry mirrors (provider.MirrorPatch)
	Log          func(string, ...any)
}

// WriteClusterConfig resolves the kind config for in and writes it, with every file
// it mounts, under in.CacheDir; it returns the config's path. Profiles are written
// for the offline node image; with a published one kind's own CNI is turned back
// on. A relative extraMounts hostPath names a file of this repository
// (manifests/...): it is written from the suite's embedded copy and made absolute,
// so the run does not depend on its working directory.
func WriteClusterConfig(in ClusterConfigInput) (string, error) {
	name := "kind/cluster.yaml"
	if in.OfflineImage {
		name = "kind/cluster-offline.yaml"
	}
	if in.Profile != "" {
		name = path.Join(profilesDir, in.Profile+".yaml")
	}
	data, err := manifests.FS.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("unknown cluster profile %q (profiles: %s)", in.Profile, strings.Join(Profiles(), ", "))
	}
	var c kindv1alpha4.Cluster
	if err := yaml.UnmarshalStrict(data, &c); err != nil {
		return "", fmt.Errorf("manifests/%s: %w", name, err)
	}
	if in.Profile != "" && !in.OfflineImage && c.Networking.DisableDefaultCNI {
		c.Networking.DisableDefaultCNI = false
		in.Log("profile %s: the published node image brings kind's own CNI; using it", in.Profile)
	}
	dir := filepath.Join(in.CacheDir, "kind-"+in.ClusterName)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	for i := range c.Nodes {
		for j := range c.Nodes[i].ExtraMounts {
			m := &c.Nodes[i].ExtraMounts[j]
			rel, ok := strings.CutPrefix(m.HostPath, "manifests/")
			if !ok {
				continue
			}
			body, err := manifests.FS.ReadFile(rel)
			if err != nil {
				return "", fmt.Errorf("manifests/%s mounts %s, which the suite does not carry: %w", name, m.HostPath, err)
			}
			m.HostPath = filepath.Join(dir, filepath.Base(rel))
			if err := os.WriteFile(m.HostPath, body, 0o644); err != nil {
				return "", err
			}
		}
	}
	if in.Mirrors {
		c.ContainerdConfigPatches = append(c.ContainerdConfigPatches, provider.MirrorPatch)
	}
	out, err := yaml.Marshal(&c)
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, "cluster.yaml")
	return p, os.WriteFile(p, out, 0o644)
}
