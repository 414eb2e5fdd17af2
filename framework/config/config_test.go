package config

import (
	"flag"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := Load(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Provider != ProviderKind || c.Images != ImagesAuto || c.ClusterName != "inpod" || c.K8sVersion != "v1.37.2" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if c.PodStartTimeout != 3*time.Minute || c.APITimeout != 30*time.Second || c.KeepCluster {
		t.Fatalf("unexpected default timeouts/keep: %+v", c)
	}
	if c.RunID == "" {
		t.Fatal("no run id generated")
	}
}

func TestFlagBeatsEnvBeatsDefault(t *testing.T) {
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	vals := (&Config{}).Bind(fs)
	if err := fs.Parse([]string{"-inpod.images=published", "-inpod.image-curl=my/curl:1"}); err != nil {
		t.Fatal(err)
	}
	c, err := Load(vals, env(map[string]string{"IMAGES": "offline", "INPOD_CLUSTER": "x", "KEEP_CLUSTER": "1", "PYTHON_IMAGE": "my/py:2"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Images != ImagesPublished {
		t.Errorf("flag should win over env: got %s", c.Images)
	}
	if c.ClusterName != "x" || !c.KeepCluster {
		t.Errorf("env not applied: %+v", c)
	}
	if c.ImageOverrides["curl"] != "my/curl:1" || c.ImageOverrides["python"] != "my/py:2" {
		t.Errorf("overrides: %v", c.ImageOverrides)
	}
}

func TestBadValuesAreOneLineErrors(t *testing.T) {
	for name, e := range map[string]map[string]string{
		"provider": {"INPOD_PROVIDER": "minikube"},
		"images":   {"IMAGES": "some"},
		"timeout":  {"INPOD_POD_TIMEOUT": "soon"},
		"negative": {"INPOD_API_TIMEOUT": "-1s"},
		"bool":     {"KEEP_CLUSTER": "perhaps"},
		"flavor":   {"INPOD_NODE_FLAVOR": "kindnet"},
	} {
		if _, err := Load(nil, env(e)); err == nil {
			t.Errorf("%s: want an error for %v", name, e)
		}
	}
}

func TestKubeconfigKeepsEveryListEntry(t *testing.T) {
	c, err := Load(nil, env(map[string]string{"INPOD_PROVIDER": "kubeconfig", "KUBECONFIG": "/a/one:/b/two"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kubeconfig != "/a/one:/b/two" {
		t.Errorf("kubeconfig = %q", c.Kubeconfig)
	}
	c, err = Load(nil, env(map[string]string{"INPOD_PROVIDER": "kubeconfig"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Kubeconfig != "" {
		t.Errorf("kubeconfig = %q, want \"\" (clientcmd's default loading rules pick it)", c.Kubeconfig)
	}
}
