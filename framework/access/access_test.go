package access

import (
	"slices"
	"testing"

	"github.com/onsi/gomega"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
)

func TestRequestPath(t *testing.T) {
	cases := map[string]Request{
		"/api/v1/namespaces/a/pods":                {Verb: "list", Resource: "pods", Namespace: "a"},
		"/api/v1/namespaces/a/pods/p/log":          {Verb: "get", Resource: "pods", Subresource: "log", Namespace: "a", Name: "p"},
		"/apis/apps/v1/namespaces/a/deployments/d": {Verb: "delete", Group: "apps", Resource: "deployments", Namespace: "a", Name: "d"},
		"/api/v1/namespaces":                       {Verb: "list", Resource: "namespaces"},
		"/apis/batch/v1/namespaces/a/jobs":         {Verb: "create", Group: "batch", Resource: "jobs", Namespace: "a"},
	}
	for want, q := range cases {
		if got := q.Path(); got != want {
			t.Errorf("%v: path %q, want %q", q, got, want)
		}
	}
	if (Request{Verb: "patch"}).HTTPMethod() != "PATCH" || (Request{Verb: "list"}).HTTPMethod() != "GET" {
		t.Error("verb mapping")
	}
}

const forbiddenBody = `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:n:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"n\"","reason":"Forbidden","details":{"kind":"pods"},"code":403}`

func TestParseCurlForbidden(t *testing.T) {
	g := gomega.NewWithT(t)
	q := Request{Verb: "list", Resource: "pods", Namespace: "n"}
	o := ParseCurl(q, pods.ExecResult{Stdout: forbiddenBody + "\n403"})
	g.Expect(o.Code).To(gomega.Equal(403))
	g.Expect(o).To(BeForbiddenFor(rbac.ServiceAccountUser("n", "default"), q))
	g.Expect(o).NotTo(BeForbiddenFor(rbac.ServiceAccountUser("n", "pod-reader"), q), "another identity must not match")
	g.Expect(o).NotTo(BeForbiddenFor(rbac.ServiceAccountUser("n", "default"), Request{Verb: "get", Resource: "pods", Namespace: "n"}), "another verb must not match")
	g.Expect(o).NotTo(BeAllowed())
	g.Expect(o).NotTo(BeUnauthorized())
}

func TestParseCurlConnectionErrorIsNeither403Nor401(t *testing.T) {
	g := gomega.NewWithT(t)
	q := Request{Verb: "list", Resource: "pods", Namespace: "n"}
	o := ParseCurl(q, pods.ExecResult{ExitCode: 6, Stderr: "curl: (6) Could not resolve host: kubernetes.default.svc"})
	g.Expect(o.ConnError).To(gomega.ContainSubstring("Could not resolve host"))
	g.Expect(o).NotTo(BeForbiddenFor(rbac.ServiceAccountUser("n", "default"), q))
	g.Expect(o).NotTo(BeUnauthorized())
	g.Expect(o).NotTo(BeAllowed())
}

func TestParseCurlUnauthorized(t *testing.T) {
	g := gomega.NewWithT(t)
	body := `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`
	o := ParseCurl(Request{Verb: "list", Resource: "pods"}, pods.ExecResult{Stdout: body + "\n401"})
	g.Expect(o).To(BeUnauthorized())
	g.Expect(o).NotTo(BeForbiddenFor("x", Request{Verb: "list", Resource: "pods"}))
}

func TestParseKubectl(t *testing.T) {
	g := gomega.NewWithT(t)
	q := Request{Verb: "list", Resource: "pods", Namespace: "n"}
	o := ParseKubectl(q, pods.ExecResult{ExitCode: 1, Stderr: `Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:n:default" cannot list resource "pods" in API group "" in the namespace "n"` + "\n"})
	g.Expect(o).To(BeForbiddenFor(rbac.ServiceAccountUser("n", "default"), q))
	o = ParseKubectl(q, pods.ExecResult{ExitCode: 1, Stderr: "error: You must be logged in to the server (Unauthorized)\n"})
	g.Expect(o).To(BeUnauthorized())
	o = ParseKubectl(q, pods.ExecResult{ExitCode: 1, Stderr: "Unable to connect to the server: dial tcp: lookup kubernetes.default.svc: no such host\n"})
	g.Expect(o.ConnError).To(gomega.ContainSubstring("no such host"))
	o = ParseKubectl(q, pods.ExecResult{Stdout: "pod/a\n"})
	g.Expect(o).To(BeAllowed())
}

func TestParseJSONProbe(t *testing.T) {
	g := gomega.NewWithT(t)
	q := Request{Verb: "get", Resource: "pods", Subresource: "log", Namespace: "n", Name: "p"}
	o := parseJSONProbe("go", q, pods.ExecResult{Stdout: `{"code":403,"reason":"Forbidden","message":"pods \"p\" is forbidden: User \"system:serviceaccount:n:default\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"n\""}` + "\n"})
	g.Expect(o).To(BeForbiddenFor(rbac.ServiceAccountUser("n", "default"), q))
	o = parseJSONProbe("python", q, pods.ExecResult{ExitCode: 1, Stderr: "Traceback ..."})
	g.Expect(o.ConnError).NotTo(gomega.BeEmpty())
	g.Expect(o).NotTo(BeAllowed())
}

func TestMethodsAreConfigsMethods(t *testing.T) {
	var names []string
	for _, m := range Methods {
		names = append(names, m.Name())
	}
	if !slices.Equal(names, config.Methods) {
		t.Errorf("access.Methods %v, config.Methods %v", names, config.Methods)
	}
}
