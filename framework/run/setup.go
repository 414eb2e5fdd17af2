package run

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/inpod/inpod/framework/cluster"
	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/images"
	"github.com/inpod/inpod/manifests"
)

// Setup obtains the run's cluster as cfg says and resolves its images. log gets
// one line per decision (image set, cluster created or reused).
func Setup(ctx context.Context, cfg *config.Config, log func(format string, args ...any)) (*Run, error) {
	set := images.Resolve(ctx, cfg, images.DialProbe)
	log("%s", set.Reason)
	r := &Run{Config: cfg, Images: set, ID: cfg.RunID}
	var err error
	switch cfg.Provider {
	case config.ProviderKubeconfig:
		r.Proxy, err = cluster.FromKubeconfig(ctx, cfg.Kubeconfig, cfg.Context, cfg.APITimeout)
	case config.ProviderInCluster:
		r.Proxy, err = cluster.InCluster(ctx, cfg.APITimeout)
	default:
		var in cluster.KindInput
		in, err = KindInput(cfg, set, log)
		if err == nil {
			r.Proxy, err = cluster.Kind(ctx, in)
		}
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// KindInput turns the configuration into what the kind provider needs.
func KindInput(cfg *config.Config, set images.Set, log func(string, ...any)) (cluster.KindInput, error) {
	cacheDir := os.Getenv("INPOD_CACHE")
	if cacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return cluster.KindInput{}, err
		}
		cacheDir = filepath.Join(base, "inpod")
	}
	kindCfg := cfg.KindConfig
	var addons fs.FS
	if kindCfg != "" {
		addons = cluster.AddonsFor(kindCfg)
	} else {
		name := "kind/cluster.yaml"
		if set.Mode == config.ImagesOffline {
			name = "kind/cluster-offline.yaml"
		}
		data, err := manifests.FS.ReadFile(name)
		if err != nil {
			return cluster.KindInput{}, err
		}
		kindCfg = filepath.Join(cacheDir, "kind-"+cfg.ClusterName+".yaml")
		if err := os.MkdirAll(cacheDir, 0o755); err != nil {
			return cluster.KindInput{}, err
		}
		if err := os.WriteFile(kindCfg, data, 0o644); err != nil {
			return cluster.KindInput{}, err
		}
	}
	bin := cfg.KindBinary
	if bin == "" {
		if p := filepath.Join(cacheDir, "tools", "kind"); fileExists(p) {
			bin = p
		}
	}
	return cluster.KindInput{
		Name:        cfg.ClusterName,
		NodeImage:   set.Refs["node"],
		Config:      kindCfg,
		KindBinary:  bin,
		Kubeconfig:  filepath.Join(cacheDir, "kind-"+cfg.ClusterName+".kubeconfig"),
		Keep:        cfg.KeepCluster,
		ProbeImages: set.Probes(),
		Timeout:     cfg.PodStartTimeout,
		OfflineDNS:  set.Mode == config.ImagesOffline,
		Addons:      addons,
		APITimeout:  cfg.APITimeout,
		Log:         log,
	}, nil
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// Describe is one line about the run for logs and reports.
func (r *Run) Describe() string {
	return fmt.Sprintf("run %s on %s", r.ID, r.Proxy.Name())
}
