package intent

import (
	"errors"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	fakediscovery "k8s.io/client-go/discovery/fake"
	clienttesting "k8s.io/client-go/testing"

	"github.com/inpod/inpod/framework/rbac"
)

const good = `apiVersion: inpod.io/v1alpha1
kind: AccessIntent
accounts:
- serviceAccount: shop/frontend
  allow:
  - {verb: get, resource: configmaps, name: frontend-config}
  deny:
  - {verb: list, resource: secrets}
  - {verb: list, resource: pods, namespace: cluster-wide}
- serviceAccount: shop/worker
  allow:
  - {verb: create, group: batch, resource: jobs}
  - {verb: get, resource: pods, subresource: log, name: x, namespace: other}
`

func TestParseGood(t *testing.T) {
	f, err := Parse("good.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Accounts) != 2 || f.Accounts[0].Namespace != "shop" || f.Accounts[0].Name != "frontend" {
		t.Fatalf("accounts: %+v", f.Accounts)
	}
	a := f.Accounts[0]
	if len(a.Allow) != 1 || len(a.Deny) != 2 || a.Deny[1].For("shop").Namespace != "" || a.Allow[0].For("shop").Namespace != "shop" {
		t.Fatalf("requests: %+v", a)
	}
	if q := f.Accounts[1].Allow[1]; q.Subresource != "log" || q.Name != "x" || q.For("shop").Namespace != "other" {
		t.Errorf("pods/log request: %+v", q)
	}
	if a.Deny[0].Line != 8 {
		t.Errorf("line of deny[0]: %d", a.Deny[0].Line)
	}
}

func TestParseBad(t *testing.T) {
	for _, c := range []struct{ name, edit, want string }{
		{"version", "apiVersion: inpod.io/v1alpha1", `bad.yaml:1: apiVersion: "inpod.io/v9" is not supported`},
		{"kind", "kind: AccessIntent", `bad.yaml:2: kind: "Intent"`},
		{"verb", "{verb: list, resource: secrets}", `bad.yaml:8: accounts[0].deny[0].verb: "lst" is not a verb`},
		{"field", "{verb: get, resource: configmaps, name: frontend-config}", `bad.yaml:6: accounts[0].allow[0].verbs: unknown field`},
		{"account", "serviceAccount: shop/worker", `bad.yaml:10: accounts[1].serviceAccount: "worker": want namespace/name`},
		{"resource", "{verb: create, group: batch, resource: jobs}", `bad.yaml:12: accounts[1].allow[0].resource: "Jobs.batch"`},
		{"missing", "{verb: list, resource: pods, namespace: cluster-wide}", `bad.yaml:9: accounts[0].deny[1].resource: required`},
		{"yaml", "  allow:\n  - {verb: get, resource: configmaps, name: frontend-config}", `bad.yaml: line`},
	} {
		bad := map[string]string{
			"version":  "apiVersion: inpod.io/v9",
			"kind":     "kind: Intent",
			"verb":     "{verb: lst, resource: secrets}",
			"field":    "{verbs: get, resource: configmaps, name: frontend-config}",
			"account":  "serviceAccount: worker",
			"resource": "{verb: create, resource: Jobs.batch}",
			"missing":  "{verb: list, namespace: cluster-wide}",
			"yaml":     "  allow:\n  - {verb: get, resource: configmaps, name: frontend-config\n",
		}[c.name]
		_, err := Parse("bad.yaml", []byte(strings.Replace(good, c.edit, bad, 1)))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line starting %q", c.name, err, c.want)
		}
	}
}

func TestGuideIntentParses(t *testing.T) {
	f, err := Guide()
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Accounts) != 5 {
		t.Fatalf("want the guide's 5 accounts, got %d", len(f.Accounts))
	}
	r := f.Rename(map[string]string{"default": "ns-a", "another-namespace": "ns-b"})
	if a := r.Accounts[1]; a.Namespace != "ns-a" || a.Deny[3].For(a.Namespace).Namespace != "ns-b" {
		t.Fatalf("rename: %+v", a)
	}
	if f.Accounts[1].Namespace != "default" {
		t.Fatal("rename changed the original")
	}
}

// watch is a verb like list: it names no object and may be cluster-wide.
func TestParseWatch(t *testing.T) {
	ok := "apiVersion: inpod.io/v1alpha1\nkind: AccessIntent\naccounts:\n- serviceAccount: shop/app\n  allow:\n  - {verb: watch, resource: pods}\n  - {verb: watch, resource: nodes, namespace: cluster-wide}\n"
	f, err := Parse("w.yaml", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if q := f.Accounts[0].Allow[0]; q.Verb != "watch" || q.Resource != "pods" {
		t.Errorf("got %+v", q)
	}
	_, err = Parse("w.yaml", []byte(strings.Replace(ok, "{verb: watch, resource: pods}", "{verb: watch, resource: pods, name: p}", 1)))
	if err == nil || !strings.Contains(err.Error(), "a watch request names no object") || strings.Contains(err.Error(), "\n") {
		t.Errorf("a named watch: %v", err)
	}
}

// What real controllers' RBAC grants can be declared: update, patch,
// deletecollection, and cluster-scoped creates; a verb's name rule holds.
func TestParseControllerVerbs(t *testing.T) {
	ok := "apiVersion: inpod.io/v1alpha1\nkind: AccessIntent\naccounts:\n- serviceAccount: ops/ctl\n  allow:\n" +
		"  - {verb: update, resource: configmaps, name: lease}\n" +
		"  - {verb: patch, group: apps, resource: deployments, name: web}\n" +
		"  - {verb: deletecollection, resource: events}\n" +
		"  - {verb: create, group: authentication.k8s.io, resource: tokenreviews, namespace: cluster-wide}\n" +
		"  - {verb: get, resource: nodes, subresource: metrics, name: inpod-draft-any, namespace: cluster-wide}\n" +
		"  - {verb: create, resource: pods, subresource: exec, name: web-0}\n" +
		"  - {verb: impersonate, resource: serviceaccounts, name: deployer}\n" +
		"  - {verb: bind, group: rbac.authorization.k8s.io, resource: clusterroles, namespace: cluster-wide}\n"
	f, err := Parse("c.yaml", []byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(f.Accounts[0].Allow); got != 8 {
		t.Fatalf("%d requests", got)
	}
	for edit, want := range map[string]string{
		"{verb: update, resource: configmaps}":                "required for update",
		"{verb: deletecollection, resource: events, name: e}": "a deletecollection request names no object",
		"{verb: create, resource: pods, subresource: exec}":   "required for create of a subresource",
		"{verb: list, resource: pods, name: web-0}":           "a list request names no object",
		"{verb: approve, resource: signers, nme: x}":          "unknown field",
		"{verb: sudo, resource: pods}":                        `"sudo" is not a verb (want one of get, list, watch, create, update, patch, delete, deletecollection; or, answered by a SubjectAccessReview only, bind, escalate, impersonate, use, approve, sign)`,
	} {
		bad := strings.Replace(ok, "  - {verb: update, resource: configmaps, name: lease}\n", "  - "+edit+"\n", 1)
		if _, err := Parse("c.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", edit, err, want)
		}
	}
}

// The Resolver sends each verb's one request: the body it needs, dryRun on
// writes but not on reviews, and the scope discovery says the resource has.
func TestResolver(t *testing.T) {
	d := preferred{&fakediscovery.FakeDiscovery{Fake: &clienttesting.Fake{}}}
	d.Resources = []*metav1.APIResourceList{
		{GroupVersion: "v1", APIResources: []metav1.APIResource{{Name: "configmaps", Kind: "ConfigMap", Namespaced: true}, {Name: "namespaces", Kind: "Namespace"}}},
		{GroupVersion: "authentication.k8s.io/v1", APIResources: []metav1.APIResource{{Name: "tokenreviews", Kind: "TokenReview"}}},
	}
	r := &Resolver{Discovery: d, ObjectName: "inpod-x"}
	entry := func(verb, res, group, name, ns string) Entry {
		return Entry{Request: rbac.Request{Verb: verb, Resource: res, Group: group, Name: name, Namespace: ns}}
	}
	for _, c := range []struct {
		e      Entry
		body   string
		dryRun bool
		err    string
	}{
		{e: entry("create", "configmaps", "", "", ""), body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"inpod-x"}}`, dryRun: true},
		{e: entry("update", "configmaps", "", "lease", ""), body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"lease"}}`, dryRun: true},
		{e: entry("patch", "configmaps", "", "lease", ""), body: `{}`, dryRun: true},
		{e: entry("deletecollection", "configmaps", "", "", ""), dryRun: true},
		{e: entry("create", "tokenreviews", "authentication.k8s.io", "", ClusterWide), body: `{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"inpod-not-a-token"}}`},
		{e: entry("delete", "namespaces", "", "gone", ClusterWide), dryRun: true},
		{e: entry("create", "configmaps", "", "", ClusterWide), err: "configmaps is namespaced: a cluster-wide create has no URL"},
		{e: entry("get", "namespaces", "", "ops", ""), err: "namespaces is cluster-scoped: write namespace: cluster-wide"},
		{e: entry("get", "widgets", "", "w", ""), err: `serves no resource "widgets"`},
	} {
		q, err := r.Request("ops", c.e)
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.e.Request, err, c.err)
			}
		case err != nil:
			t.Errorf("%s: %v", c.e.Request, err)
		case q.Body != c.body || q.DryRun != c.dryRun:
			t.Errorf("%s: body %s dryRun %v, want %s %v", c.e.Request, q.Body, q.DryRun, c.body, c.dryRun)
		}
	}
}

// preferred is a fake discovery whose preferred resources are its Resources.
type preferred struct{ *fakediscovery.FakeDiscovery }

func (p preferred) ServerPreferredResources() ([]*metav1.APIResourceList, error) {
	return p.Resources, nil
}

// A request the kubelet authorizes goes to the kubelet of the node it names,
// or of the first node for any name; an authorizer-only verb is sent nowhere.
func TestResolverKubeletAndAuthorizerOnly(t *testing.T) {
	r := &Resolver{Kubelets: map[string]string{"b": "10.0.0.2:10250", "a": "10.0.0.1:10250"}}
	for _, c := range []struct {
		sub, name, verb   string
		wantName, kubelet string
		err               string
	}{
		{sub: "metrics", name: "b", verb: "get", wantName: "b", kubelet: "10.0.0.2:10250"},
		{sub: "stats", name: draftAnyName, verb: "get", wantName: "a", kubelet: "10.0.0.1:10250"},
		{sub: "proxy", name: "c", verb: "get", err: `no node is named "c"`},
		{sub: "spec", name: "a", verb: "get", wantName: "a"},     // no kubelet serves it: unsent
		{sub: "proxy", name: "a", verb: "create", wantName: "a"}, // a write on the node: unsent
	} {
		q, err := r.Request("ops", Entry{Request: rbac.Request{Verb: c.verb, Resource: "nodes", Subresource: c.sub, Name: c.name, Namespace: ClusterWide}})
		switch {
		case c.err != "":
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %s: err %v, want %q", c.sub, c.name, err, c.err)
			}
		case err != nil:
			t.Errorf("%s %s: %v", c.sub, c.name, err)
		case q.Name != c.wantName || q.Kubelet != c.kubelet || (c.kubelet == "") != (rbac.KubeletUnsent(q) != ""):
			t.Errorf("%s %s: sent to %q as %q (unsent: %q)", c.sub, c.name, q.Kubelet, q.Name, rbac.KubeletUnsent(q))
		}
	}
	q, err := r.Request("ops", Entry{Request: rbac.Request{Verb: "impersonate", Resource: "serviceaccounts", Name: "deployer"}})
	if err != nil || !AuthorizerOnly(q) || q.Body != "" || q.DryRun || q.Namespace != "ops" {
		t.Errorf("impersonate: %+v %v", q, err)
	}
	if _, err := (&Resolver{KubeletsErr: "list nodes: forbidden"}).Request("ops", Entry{Request: rbac.Request{Verb: "get", Resource: "nodes", Subresource: "metrics", Name: draftAnyName}}); !errors.As(err, new(NoKubeletError)) || !strings.Contains(err.Error(), "list nodes: forbidden") {
		t.Errorf("no kubelets known: %v", err)
	}
}
