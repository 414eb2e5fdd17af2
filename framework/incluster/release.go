package incluster

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/distribution/reference"
	"sigs.k8s.io/e2e-framework/klient/k8s"
	"sigs.k8s.io/yaml"
)

// ReleaseInput names, by digest, every image the released Job runs.
type ReleaseInput struct {
	Version      string
	SuiteImage   string            // the suite container
	ResultsImage string            // the results container
	ProbeImages  map[string]string // method → image the suite's probe pods run
}

// ReleaseManifest is manifests/job as one file for `kubectl apply -f`: every
// image by digest, pulled by the cluster (IfNotPresent: a digest never changes),
// the probe images in the suite's *_IMAGE variables. A kustomization over this
// file can still point the images at a private registry (images: by name).
func ReleaseManifest(in ReleaseInput) ([]byte, error) {
	for what, ref := range map[string]string{"suite": in.SuiteImage, "results": in.ResultsImage} {
		if err := byDigest(ref); err != nil {
			return nil, fmt.Errorf("%s image: %w", what, err)
		}
	}
	env := map[string]string{"IMAGES": "published"}
	for m, ref := range in.ProbeImages {
		if err := byDigest(ref); err != nil {
			return nil, fmt.Errorf("%s probe image: %w", m, err)
		}
		env[strings.ToUpper(m)+"_IMAGE"] = ref
	}
	objs, err := Objects(Input{SuiteImage: in.SuiteImage, ResultsImage: in.ResultsImage, Env: env, RunID: "job"})
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# inpod %s: the in-cluster suite. kubectl apply -f this file; the verdict is\n# in ConfigMap inpod-system/inpod-results (kubectl get configmap inpod-results -n inpod-system -o yaml).\n", in.Version)
	for _, o := range objs {
		data, err := objectYAML(o)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.Bytes(), nil
}

// objectYAML is o without the fields a manifest leaves out (status,
// creationTimestamp), with its apiVersion and kind.
func objectYAML(o k8s.Object) ([]byte, error) {
	raw, err := yaml.Marshal(o)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	if meta, ok := m["metadata"].(map[string]any); ok {
		delete(meta, "creationTimestamp")
	}
	if spec, ok := m["spec"].(map[string]any); ok {
		if tmpl, ok := spec["template"].(map[string]any); ok {
			if meta, ok := tmpl["metadata"].(map[string]any); ok {
				delete(meta, "creationTimestamp")
			}
		}
	}
	return yaml.Marshal(m)
}

// byDigest refuses a reference that is not pinned by digest.
func byDigest(ref string) error {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return fmt.Errorf("%q: %w", ref, err)
	}
	if _, ok := named.(reference.Digested); !ok {
		return fmt.Errorf("%s is not pinned by digest (NAME@sha256:…)", ref)
	}
	return nil
}
