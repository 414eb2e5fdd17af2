package run

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"

	"github.com/inpod/inpod/framework/clusterinfo"
	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/images"
	"github.com/inpod/inpod/framework/provider"
)

// Setup obtains the run's cluster as cfg says and resolves its images. log gets
// one line per decision (image set, cluster created or reused).
func Setup(ctx context.Context, cfg *config.Config, log func(format string, args ...any)) (*Run, error) {
	set := ResolveImages(ctx, cfg)
	log("%s", set.Reason)
	r := &Run{Config: cfg, Images: set, ID: cfg.RunID}
	var err error
	switch cfg.Provider {
	case config.ProviderKubeconfig:
		r.Proxy, err = provider.FromKubeconfig(ctx, cfg.Kubeconfig, cfg.Context, cfg.APITimeout)
	case config.ProviderInCluster:
		r.Proxy, err = provider.InCluster(ctx, cfg.APITimeout)
	default:
		var in provider.KindInput
		in, err = KindInput(cfg, set, log)
		if err == nil {
			r.Proxy, err = provider.Kind(ctx, in)
		}
	}
	if err != nil {
		return nil, err
	}
	r.Facts = clusterinfo.Detect(ctx, r.Proxy.Clientset())
	log("cluster profile: %s", r.Facts)
	return r, nil
}

// ResolveImages decides the run's image set. In auto mode a registry counts as
// reachable when the Docker engine's mirror for docker.io answers (the engine
// pulls through it) or INPOD_REGISTRY_PROBE does.
func ResolveImages(ctx context.Context, cfg *config.Config) images.Set {
	var mirrors []string
	if cfg.Images == config.ImagesAuto {
		mirrors = images.MirrorAddrs(images.LocalDocker{}.Mirrors(ctx))
	}
	return images.Resolve(ctx, cfg, images.DialProbe, mirrors...)
}

// builtHere is what of probes the engine must make ready: the images built from
// a Dockerfile here (images.Built), then loaded. The kind node pulls every other
// one itself — through its registry mirror, or from its registry.
func builtHere(probes []string, mirrors []provider.Mirror, log func(string, ...any)) []string {
	var refs []string
	for _, ref := range probes {
		_, built := images.Built[ref]
		switch {
		case built:
			refs = append(refs, ref)
		case provider.Mirrored(ref, mirrors):
			log("%s: left to the kind node, which pulls it through its registry mirror", ref)
		default:
			log("%s: left to the kind node, which pulls it from its registry", ref)
		}
	}
	return refs
}

// PullImages makes the set's node and probe images (and the suite image when
// suite is not "") present in the local Docker engine, pulling or building the
// missing ones. Only the published set is pulled; the offline set is built by
// scripts/images. Probe images the kind node pulls itself are left to it
// (builtHere); the node image is always the engine's.
func PullImages(ctx context.Context, cfg *config.Config, set images.Set, suite string, log func(string, ...any)) error {
	if set.Mode != config.ImagesPublished {
		return fmt.Errorf("the %s image set is built, not pulled (make images)", set.Mode)
	}
	mirrors, err := provider.ParseMirrors(cfg.NodeMirrors)
	if err != nil {
		return err
	}
	refs := []string{set.Refs["node"]}
	refs = append(refs, builtHere(set.Probes(), mirrors, log)...)
	if suite != "" {
		refs = append(refs, builtHere([]string{suite}, mirrors, log)...)
	}
	return images.PullImages(ctx, images.PullInput{Refs: refs, Build: images.Built, Log: log})
}

// builtSet is what of the set this machine builds: every image of the offline
// set (scripts/images), the published set's images.Built.
func builtSet(set images.Set) []string {
	if set.Mode == config.ImagesOffline {
		return set.Probes()
	}
	return slices.Sorted(maps.Keys(images.Built))
}

// KindInput turns the configuration into what the kind provider needs.
func KindInput(cfg *config.Config, set images.Set, log func(string, ...any)) (provider.KindInput, error) {
	cacheDir := config.CacheDir()
	if cacheDir == "" {
		return provider.KindInput{}, fmt.Errorf("no cache directory: set INPOD_CACHE (there is no user cache directory)")
	}
	flavor := cfg.NodeFlavor
	if flavor == "" {
		flavor = config.NodeKindest
		if set.Mode == config.ImagesOffline {
			flavor = config.NodeOffline
		}
	}
	mirrors, err := provider.ParseMirrors(cfg.NodeMirrors)
	if err != nil {
		return provider.KindInput{}, err
	}
	kindCfg := cfg.KindConfig
	var addons fs.FS
	if kindCfg == "" {
		kindCfg, err = WriteClusterConfig(ClusterConfigInput{Profile: cfg.Profile, OfflineImage: flavor == config.NodeOffline,
			CacheDir: cacheDir, ClusterName: cfg.ClusterName, Mirrors: len(mirrors) > 0, Log: log})
		if err != nil {
			return provider.KindInput{}, err
		}
		addons = ProfileAddons(cfg.Profile)
	} else if cfg.Profile != "" {
		return provider.KindInput{}, fmt.Errorf("PROFILE=%s and INPOD_KIND_CONFIG=%s both name a cluster config; set one", cfg.Profile, kindCfg)
	} else {
		addons = provider.AddonsFor(kindCfg)
	}
	return provider.KindInput{
		Name:        cfg.ClusterName,
		NodeImage:   set.Refs["node"],
		Config:      kindCfg,
		Kubeconfig:  filepath.Join(cacheDir, "kind-"+cfg.ClusterName+".kubeconfig"),
		Keep:        cfg.KeepCluster,
		ProbeImages: set.Probes(),
		Mirrors:     mirrors,
		NodePulls:   set.Mode == config.ImagesPublished,
		Built:       builtSet(set),
		Timeout:     cfg.PodStartTimeout,
		OfflineDNS:  flavor == config.NodeOffline,
		Addons:      addons,
		APITimeout:  cfg.APITimeout,
		Log:         log,
	}, nil
}

// Describe is one line about the run for logs and reports.
func (r *Run) Describe() string {
	return fmt.Sprintf("run %s on %s", r.ID, r.Proxy.Name())
}
