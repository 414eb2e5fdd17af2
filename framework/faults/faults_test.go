package faults

import (
	"encoding/base64"
	"strings"
	"testing"

	"sigs.k8s.io/e2e-framework/klient/k8s"
	"sigs.k8s.io/yaml"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/guide"
	"github.com/inpod/inpod/framework/run"
	"github.com/inpod/inpod/framework/tokens"
)

// ForensicsClaimsTampered rewrites the claims the forensics specs compare and
// keeps the signature, and leaves the token alone when not injected.
func TestForensicsToken(t *testing.T) {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"sub":"system:serviceaccount:n:pod-reader","jti":"j1","iat":1,"exp":2,` +
		`"kubernetes.io":{"namespace":"n","pod":{"name":"p","uid":"u1"},"node":{"name":"node-1","uid":"nu"},"serviceaccount":{"name":"pod-reader","uid":"s"}}}`))
	token := "eyJhbGciOiJSUzI1NiJ9." + payload + ".c2ln"

	clean := &run.Run{Config: &config.Config{}}
	if got, err := ForensicsToken(clean, token); err != nil || got != token {
		t.Fatalf("not injected: got %q, %v", got, err)
	}
	r := &run.Run{Config: &config.Config{Inject: []string{ForensicsClaimsTampered}}}
	got, err := ForensicsToken(r, token)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got, ".c2ln") || !strings.HasPrefix(got, "eyJhbGciOiJSUzI1NiJ9.") {
		t.Errorf("header or signature changed: %s", got)
	}
	c, err := tokens.Decode(got)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID == "j1" || c.Kubernetes.Pod.UID == "u1" || c.Kubernetes.Node.Name == "node-1" {
		t.Errorf("claims not rewritten: jti %s, pod uid %s, node %s", c.ID, c.Kubernetes.Pod.UID, c.Kubernetes.Node.Name)
	}
	if c.Subject != "system:serviceaccount:n:pod-reader" || c.Kubernetes.Pod.Name != "p" {
		t.Errorf("claims the fault does not break were changed: sub %s, pod %s", c.Subject, c.Kubernetes.Pod.Name)
	}
	if _, err := ForensicsToken(r, "not-a-jwt"); err == nil {
		t.Error("a token that is no JWT was tampered without error")
	}
}

// TestObjectFaultsChangeOnlyTheirObject: through guide.Objects, each object
// fault changes its guide file's copy, and with no fault nothing changes.
func TestObjectFaultsChangeOnlyTheirObject(t *testing.T) {
	for fault, file := range map[string]string{
		PodReaderBindingMissing:      "serviceaccount-rbac.yaml",
		PodReaderNoAutomount:         "serviceaccount-rbac.yaml",
		PodReaderRoleSecrets:         "serviceaccount-rbac.yaml",
		ClusterBindingMissing:        "cluster-pod-reader.yaml",
		TooBroadNarrowed:             "least-privilege.yaml",
		MyConfigWithoutResourceNames: "least-privilege.yaml",
		NoAPIPodAutomounts:           "no-api-pod.yaml",
		SecurePodAPIServerAudience:   "secure-pod.yaml",
	} {
		t.Run(fault, func(t *testing.T) {
			in := guide.AdaptInput{Namespace: "n"}
			plain := &run.Run{Config: &config.Config{}, ID: "x"}
			Install(plain)
			want, err := guide.Objects(plain, file, in)
			if err != nil {
				t.Fatal(err)
			}
			r := &run.Run{Config: &config.Config{Inject: []string{fault}}, ID: "x"}
			Install(r)
			got, err := guide.Objects(r, file, in)
			if err != nil {
				t.Fatal(err)
			}
			if a, b := mustYAML(t, want), mustYAML(t, got); a == b {
				t.Errorf("%s left %s as it was", fault, file)
			}
			raw, _ := guide.Objects(plain, file, in)
			if mustYAML(t, raw) != mustYAML(t, want) {
				t.Error("without a fault, two copies differ")
			}
		})
	}
}

func mustYAML(t *testing.T, objs []k8s.Object) string {
	t.Helper()
	b, err := yaml.Marshal(objs)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
