package run

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/inpod/inpod/framework/cluster"
	"github.com/inpod/inpod/framework/clusterinfo"
	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/images"
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
	r.Facts = clusterinfo.Detect(ctx, r.Proxy.Clientset())
	log("cluster profile: %s", r.Facts)
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
	if kindCfg == "" {
		var err error
		kindCfg, err = WriteClusterConfig(ClusterConfigInput{Profile: cfg.Profile, OfflineImage: set.Mode == config.ImagesOffline,
			CacheDir: cacheDir, ClusterName: cfg.ClusterName, Log: log})
		if err != nil {
			return cluster.KindInput{}, err
		}
		addons = ProfileAddons(cfg.Profile)
	} else if cfg.Profile != "" {
		return cluster.KindInput{}, fmt.Errorf("PROFILE=%s and INPOD_KIND_CONFIG=%s both name a cluster config; set one", cfg.Profile, kindCfg)
	} else {
		addons = cluster.AddonsFor(kindCfg)
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
