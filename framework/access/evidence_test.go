package access

import (
	"testing"

	"github.com/onsi/gomega"

	"github.com/inpod/inpod/framework/rbac"
)

// An allowed status counts for an intent's "may" only with a body that shows
// it; an empty or cut body, a Status, or another object is no evidence.
func TestEvidence(t *testing.T) {
	get := rbac.Request{Verb: "get", Resource: "configmaps", Namespace: "n", Name: "cfg"}
	list := rbac.Request{Verb: "list", Resource: "pods", Namespace: "n"}
	watch := rbac.Request{Verb: "watch", Resource: "pods", Namespace: "n"}
	del := rbac.Request{Verb: "delete", Resource: "pods", Namespace: "n", Name: "p", DryRun: true}
	logs := rbac.Request{Verb: "get", Resource: "pods", Subresource: "log", Namespace: "n", Name: "p"}
	for _, c := range []struct {
		name  string
		o     Outcome
		shown bool
	}{
		{"get: the object", Outcome{Method: "curl", Request: get, Body: `{"kind":"ConfigMap","metadata":{"name":"cfg"}}`}, true},
		{"get: empty body", Outcome{Method: "curl", Request: get}, false},
		{"get: cut body", Outcome{Method: "go", Request: get, Body: `{"kind":"ConfigMap","metad`}, false},
		{"get: another object", Outcome{Method: "python", Request: get, Body: `{"kind":"ConfigMap","metadata":{"name":"other"}}`}, false},
		{"get: a Status", Outcome{Method: "curl", Request: get, Body: `{"kind":"Status","status":"Failure"}`}, false},
		{"list: items", Outcome{Method: "curl", Request: list, Body: `{"kind":"PodList","items":[]}`}, true},
		{"list: no items", Outcome{Method: "curl", Request: list, Body: `{"kind":"PodList"}`}, false},
		{"watch: events", Outcome{Method: "go", Request: watch, Body: `{"type":"ADDED","object":{}}` + "\n"}, true},
		{"watch: nothing within its timeout", Outcome{Method: "go", Request: watch}, true},
		{"watch: no event", Outcome{Method: "go", Request: watch, Body: "oops"}, false},
		{"delete: Status Success", Outcome{Method: "curl", Request: del, Body: `{"kind":"Status","status":"Success"}`}, true},
		{"delete: the object", Outcome{Method: "curl", Request: del, Body: `{"kind":"Pod","metadata":{"name":"p"}}`}, true},
		{"log: any text", Outcome{Method: "curl", Request: logs}, true},
		{"kubectl get: -o name", Outcome{Method: "kubectl", Request: get, Body: "configmap/cfg\n"}, true},
		{"kubectl get: nothing printed", Outcome{Method: "kubectl", Request: get}, false},
		{"kubectl list: names", Outcome{Method: "kubectl", Request: list, Body: "pod/a\npod/b\n"}, true},
		{"kubectl list: empty", Outcome{Method: "kubectl", Request: list}, true},
		{"kubectl list: not names", Outcome{Method: "kubectl", Request: list, Body: "Error: cut\n"}, false},
		{"kubectl delete: said so", Outcome{Method: "kubectl", Request: del, Body: `pod "p" deleted (server dry run)` + "\n"}, true},
		{"kubectl delete: silent", Outcome{Method: "kubectl", Request: del}, false},
		{"kubectl --raw get", Outcome{Method: "kubectl", Request: get, Body: `{"kind":"ConfigMap","metadata":{"name":"cfg"}}`}, true},
	} {
		if got := Evidence(c.o) == ""; got != c.shown {
			t.Errorf("%s: evidence %v (%q), want %v", c.name, got, Evidence(c.o), c.shown)
		}
	}
}

// BeAllowedOrAbsent asks for evidence; BeAllowed, the status alone.
func TestBeAllowedOrAbsentNeedsEvidence(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "get", Resource: "configmaps", Namespace: "n", Name: "cfg"}
	empty := Outcome{Method: "curl", Request: q, Code: 200}
	g.Expect(empty).To(BeAllowed())
	g.Expect(empty).NotTo(BeAllowedOrAbsent())
	ok, _ := BeAllowedOrAbsent().Match(empty)
	g.Expect(ok).To(gomega.BeFalse())
	g.Expect(BeAllowedOrAbsent().FailureMessage(empty)).To(gomega.ContainSubstring("no evidence of it: the body is not a JSON object"))
	shown := empty
	shown.Body = `{"kind":"ConfigMap","metadata":{"name":"cfg"}}`
	g.Expect(shown).To(BeAllowedOrAbsent())
}
