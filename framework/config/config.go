// Package config holds everything a run can be told: where the cluster comes from,
// which images serve which method, timeouts and where reports go. Each suite
// setting has a flag (prefixed "inpod.") and an environment variable; the flag
// wins. Every other variable the project reads is listed in Variables and read
// with Env, the one place the environment is read (a unit test holds the code,
// the list and docs/configuration.md equal).
package config

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/inpod/inpod"
)

// Provider names how the suite obtains its cluster.
type Provider string

const (
	ProviderKind       Provider = "kind"
	ProviderKubeconfig Provider = "kubeconfig"
	ProviderInCluster  Provider = "in-cluster"
)

// ImageMode selects the probe image set.
type ImageMode string

const (
	ImagesAuto      ImageMode = "auto"
	ImagesPublished ImageMode = "published"
	ImagesOffline   ImageMode = "offline"
)

// NodeFlavor names what a kind node image is built like.
type NodeFlavor string

const (
	NodeKindest NodeFlavor = "kindest"
	NodeOffline NodeFlavor = "offline"
)

// Config is one run's settings.
type Config struct {
	Provider    Provider
	Kubeconfig  string
	Context     string
	ClusterName string
	K8sVersion  string
	NodeImage   string
	NodeMirrors string // INPOD_NODE_MIRRORS: registries the kind node pulls from (provider.ParseMirrors)
	KindConfig  string
	Profile     string // a cluster profile under manifests/kind/profiles ("" = default)
	KeepCluster bool
	// NodeFlavor says what the kind node image is: kind's own (kindnet, upstream
	// DNS) or inpod's offline build (static CNI, cluster-only DNS). "" follows
	// the image set; a run that serves the offline node under a published name
	// (the published-path rehearsal) sets it to NodeOffline.
	NodeFlavor NodeFlavor

	Images         ImageMode
	ImageOverrides map[string]string // method -> image reference
	RegistryProbe  string            // host:port asked when Images is auto

	PodStartTimeout time.Duration
	// ProbeResources are the requests and limits of every pod the suite
	// creates, so clusters that require them (a LimitRange-less quota, a
	// require-limits policy) admit its pods.
	ProbeResources corev1.ResourceRequirements
	// Preflight is make job's stance on a runner holding permissions it must
	// not: "strict" stops the run, "warn" names them and runs.
	Preflight  string
	APITimeout time.Duration
	ReportDir  string
	RunID      string
	// SweepTTL: at its start a run deletes labelled objects of earlier runs
	// older than this (runs killed before their cleanup).
	SweepTTL time.Duration
	// ProvidedNamespaces, when set, is the prefix of namespaces an administrator
	// created for the run (manifests/job): the run then creates no namespace and
	// uses <prefix><purpose> instead.
	ProvidedNamespaces string
	// Inject lists self-check faults to inject (framework/faults); empty in real runs.
	Inject []string
}

// setting is one flag/env pair and where its value lands.
type setting struct {
	flag, env, usage string
	set              func(string) error
	def              string
}

func (c *Config) settings() []setting {
	str := func(p *string) func(string) error { return func(v string) error { *p = v; return nil } }
	dur := func(p *time.Duration) func(string) error {
		return func(v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("%q is not a positive duration (e.g. 90s, 2m)", v)
			}
			*p = d
			return nil
		}
	}
	return []setting{
		{"provider", "INPOD_PROVIDER", "kind | kubeconfig | in-cluster", func(v string) error {
			p, err := ParseProvider(v)
			c.Provider = p
			return err
		}, "kind"},
		{"kubeconfig", "KUBECONFIG", "kubeconfig files, a KUBECONFIG list (provider kubeconfig; default: clientcmd's loading rules, ~/.kube/config)", str(&c.Kubeconfig), ""},
		{"context", "INPOD_CONTEXT", "kubeconfig context (default: the file's current one)", str(&c.Context), ""},
		{"cluster", "INPOD_CLUSTER", "kind cluster name", str(&c.ClusterName), "inpod"},
		{"k8s-version", "K8S_VERSION", "Kubernetes version of the kind node", str(&c.K8sVersion), inpod.K8sVersion()},
		{"node-image", "INPOD_NODE_IMAGE", "kind node image (default: by image mode and version)", str(&c.NodeImage), ""},
		{"node-flavor", "INPOD_NODE_FLAVOR", "what the node image is: kindest (kind's, kindnet) | offline (inpod's, static CNI); default: by image set", func(v string) error {
			switch f := NodeFlavor(strings.ToLower(v)); f {
			case "", NodeKindest, NodeOffline:
				c.NodeFlavor = f
				return nil
			}
			return fmt.Errorf("unknown node flavor %q (want kindest or offline)", v)
		}, ""},
		{"kind-config", "INPOD_KIND_CONFIG", "kind cluster config", str(&c.KindConfig), ""},
		{"node-mirrors", "INPOD_NODE_MIRRORS", "registries the kind node's containerd pulls from, HOST=ENDPOINT,... (ENDPOINT http://@host:PORT = the Docker host); their images are pulled by the node, not loaded", str(&c.NodeMirrors), ""},
		{"profile", "INPOD_PROFILE", "cluster profile (manifests/kind/profiles/NAME.yaml) of the kind cluster", str(&c.Profile), ""},
		{"keep-cluster", "KEEP_CLUSTER", "keep the kind cluster after the run", func(v string) error {
			b, err := parseBool(v)
			c.KeepCluster = b
			return err
		}, "false"},
		{"images", "IMAGES", "probe image set: auto | published | offline", func(v string) error {
			m, err := ParseImageMode(v)
			c.Images = m
			return err
		}, "auto"},
		{"registry-probe", "INPOD_REGISTRY_PROBE", "host:port whose answer means a registry is reachable", str(&c.RegistryProbe), "registry-1.docker.io:443"},
		{"pod-timeout", "INPOD_POD_TIMEOUT", "bound on a pod becoming ready", dur(&c.PodStartTimeout), "3m"},
		{"probe-resources", "INPOD_PROBE_RESOURCES", "requests and limits of every pod the suite creates, requests.cpu=…,requests.memory=…,limits.cpu=…,limits.memory=…", func(v string) error {
			r, err := ParseResources(v)
			c.ProbeResources = r
			return err
		}, DefaultProbeResources},
		{"preflight", "INPOD_PREFLIGHT", "make job's check of the runner's permissions: strict (a permission it must not hold stops the run) | warn (named, and the runner's own specs run and report it)", func(v string) error {
			if v != "strict" && v != "warn" {
				return fmt.Errorf("INPOD_PREFLIGHT=%q: want strict or warn", v)
			}
			c.Preflight = v
			return nil
		}, "strict"},
		{"api-timeout", "INPOD_API_TIMEOUT", "bound on one API call or exec", dur(&c.APITimeout), "30s"},
		{"report-dir", "REPORT_DIR", "where reports and failure dumps go", str(&c.ReportDir), "reports"},
		{"inject", "INPOD_INJECT", "self-check: comma-separated faults to inject (see framework/faults)", func(v string) error {
			c.Inject = nil
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f != "" {
					c.Inject = append(c.Inject, f)
				}
			}
			return nil
		}, ""},
		{"sweep-ttl", "INPOD_SWEEP_TTL", "at start, delete objects labelled by earlier runs older than this", dur(&c.SweepTTL), "2h"},
		{"run-id", "INPOD_RUN_ID", "label value marking this run's objects (default: generated)", str(&c.RunID), ""},
		{"provided-namespaces", "INPOD_PROVIDED_NAMESPACES", "use the existing namespaces PREFIX<purpose> (manifests/job creates them) instead of creating namespaces", str(&c.ProvidedNamespaces), ""},
	}
}

// DefaultProbeResources is small enough for any node and what a probe needs:
// kubectl and the Python client stay under 100 MiB.
const DefaultProbeResources = "requests.cpu=10m,requests.memory=32Mi,limits.cpu=500m,limits.memory=256Mi"

// ParseResources reads "requests.cpu=10m,limits.memory=256Mi,…".
func ParseResources(v string) (corev1.ResourceRequirements, error) {
	r := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
	for _, kv := range strings.Split(v, ",") {
		kv = strings.TrimSpace(kv)
		if kv == "" {
			continue
		}
		key, val, ok := strings.Cut(kv, "=")
		kind, name, ok2 := strings.Cut(key, ".")
		if !ok || !ok2 || (name != "cpu" && name != "memory") || (kind != "requests" && kind != "limits") {
			return r, fmt.Errorf("%q: want requests.cpu|requests.memory|limits.cpu|limits.memory=QUANTITY", kv)
		}
		q, err := resource.ParseQuantity(val)
		if err != nil {
			return r, fmt.Errorf("%q: %w", kv, err)
		}
		list := r.Requests
		if kind == "limits" {
			list = r.Limits
		}
		list[corev1.ResourceName(name)] = q
	}
	for name, req := range r.Requests {
		if lim, ok := r.Limits[name]; ok && req.Cmp(lim) > 0 {
			return r, fmt.Errorf("requests.%s %s is above limits.%s %s", name, req.String(), name, lim.String())
		}
	}
	return r, nil
}

// Methods are the guide's ways to reach the API from a pod, in its order; each
// has a probe image that can be overridden, e.g. CURL_IMAGE.
var Methods = []string{"curl", "python", "go", "kubectl"}

// Bind registers the "inpod." flags on fs. Parse must be called after fs is parsed.
func (c *Config) Bind(fs *flag.FlagSet) map[string]*string {
	vals := map[string]*string{}
	for _, s := range c.settings() {
		vals[s.flag] = fs.String("inpod."+s.flag, "", s.usage+" (env "+s.env+", default "+quoteDefault(s.def)+")")
	}
	for _, m := range Methods {
		env := strings.ToUpper(m) + "_IMAGE"
		vals["image-"+m] = fs.String("inpod.image-"+m, "", "image for method "+m+" (env "+env+")")
	}
	return vals
}

// Load resolves every setting: flag value, else environment, else default.
func Load(flags map[string]*string, getenv func(string) string) (*Config, error) {
	c := &Config{ImageOverrides: map[string]string{}}
	pick := func(name, env, def string) string {
		if p, ok := flags[name]; ok && p != nil && *p != "" {
			return *p
		}
		if v := getenv(env); v != "" {
			return v
		}
		return def
	}
	for _, s := range c.settings() {
		v := pick(s.flag, s.env, s.def)
		if err := s.set(v); err != nil {
			return nil, fmt.Errorf("config: %s/-inpod.%s: %w", s.env, s.flag, err)
		}
	}
	for _, m := range Methods {
		if v := pick("image-"+m, strings.ToUpper(m)+"_IMAGE", ""); v != "" {
			c.ImageOverrides[m] = v
		}
	}
	if c.Kubeconfig != "" {
		files := filepath.SplitList(c.Kubeconfig)
		for i := range files {
			files[i] = expandHome(files[i])
		}
		c.Kubeconfig = strings.Join(files, string(filepath.ListSeparator))
	}
	if c.RunID == "" {
		c.RunID = strconv.FormatInt(time.Now().UnixNano()%1e10, 36)
	}
	return c, nil
}

// Injects reports whether the self-check fault is to be injected.
func (c *Config) Injects(fault string) bool {
	for _, f := range c.Inject {
		if f == fault {
			return true
		}
	}
	return false
}

// FromEnvironment is Load with only the environment, for tools outside Ginkgo.
func FromEnvironment() (*Config, error) { return Load(nil, os.Getenv) }

// ParseProvider accepts the provider names.
func ParseProvider(v string) (Provider, error) {
	switch p := Provider(strings.ToLower(v)); p {
	case ProviderKind, ProviderKubeconfig, ProviderInCluster:
		return p, nil
	}
	return "", fmt.Errorf("unknown provider %q (want kind, kubeconfig or in-cluster)", v)
}

// ParseImageMode accepts the image set names.
func ParseImageMode(v string) (ImageMode, error) {
	switch m := ImageMode(strings.ToLower(v)); m {
	case ImagesAuto, ImagesPublished, ImagesOffline:
		return m, nil
	}
	return "", fmt.Errorf("unknown image set %q (want auto, published or offline)", v)
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "yes", "on":
		return true, nil
	case "", "0", "false", "no", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean (1/0, true/false)", v)
}

func expandHome(p string) string {
	if strings.HasPrefix(p, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, p[2:])
		}
	}
	return p
}

func quoteDefault(d string) string {
	if d == "" {
		return "none"
	}
	return d
}
