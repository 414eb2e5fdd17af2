package access

import (
	"testing"

	"github.com/onsi/gomega"

	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
)

func TestRequestPath(t *testing.T) {
	cases := map[string]rbac.Request{
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
	if (rbac.Request{Verb: "patch"}).HTTPMethod() != "PATCH" || (rbac.Request{Verb: "list"}).HTTPMethod() != "GET" {
		t.Error("verb mapping")
	}
}

const forbiddenBody = `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \"system:serviceaccount:n:default\" cannot list resource \"pods\" in API group \"\" in the namespace \"n\"","reason":"Forbidden","details":{"kind":"pods"},"code":403}`

func TestParseCurlForbidden(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "list", Resource: "pods", Namespace: "n"}
	o := ParseCurl(q, pods.ExecResult{Stdout: forbiddenBody + "\n403"})
	g.Expect(o.Code).To(gomega.Equal(403))
	g.Expect(o).To(BeForbiddenFor(rbac.ServiceAccountUser("n", "default"), q))
	g.Expect(o).NotTo(BeForbiddenFor(rbac.ServiceAccountUser("n", "pod-reader"), q), "another identity must not match")
	g.Expect(o).NotTo(BeForbiddenFor(rbac.ServiceAccountUser("n", "default"), rbac.Request{Verb: "get", Resource: "pods", Namespace: "n"}), "another verb must not match")
	g.Expect(o).NotTo(BeAllowed())
	g.Expect(o).NotTo(BeUnauthorized())
}

func TestParseCurlConnectionErrorIsNeither403Nor401(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "list", Resource: "pods", Namespace: "n"}
	o := ParseCurl(q, pods.ExecResult{ExitCode: 6, Stderr: "curl: (6) Could not resolve host: kubernetes.default.svc"})
	g.Expect(o.ConnError).To(gomega.ContainSubstring("Could not resolve host"))
	g.Expect(o).NotTo(BeForbiddenFor(rbac.ServiceAccountUser("n", "default"), q))
	g.Expect(o).NotTo(BeUnauthorized())
	g.Expect(o).NotTo(BeAllowed())
}

func TestParseCurlUnauthorized(t *testing.T) {
	g := gomega.NewWithT(t)
	body := `{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}`
	o := ParseCurl(rbac.Request{Verb: "list", Resource: "pods"}, pods.ExecResult{Stdout: body + "\n401"})
	g.Expect(o).To(BeUnauthorized())
	g.Expect(o).NotTo(BeForbiddenFor("x", rbac.Request{Verb: "list", Resource: "pods"}))
}

// kubectlLog is client-go's -v=6 line for one response.
func kubectlLog(method, url, status string) string {
	return `I1128 01:25:34.205871   23135 round_trippers.go:632] "Response" verb="` + method + `" url="https://10.96.0.1:443` + url + `" status="` + status + `" milliseconds=8` + "\n"
}

func TestParseKubectl(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "list", Resource: "pods", Namespace: "n"}
	forbidden := `Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:n:default" cannot list resource "pods" in API group "" in the namespace "n"` + "\n"
	o := ParseKubectl(q, pods.ExecResult{ExitCode: 1, Stderr: kubectlLog("GET", "/api/v1/namespaces/n/pods?limit=500", "403 Forbidden") + forbidden})
	g.Expect(o).To(BeForbiddenFor(rbac.ServiceAccountUser("n", "default"), q))
	g.Expect(o.Cell()).To(gomega.Equal("403 Forbidden"))
	o = ParseKubectl(q, pods.ExecResult{ExitCode: 1, Stderr: kubectlLog("GET", "/api/v1/namespaces/n/pods?limit=500", "401 Unauthorized") + "error: You must be logged in to the server (Unauthorized)\n"})
	g.Expect(o).To(BeUnauthorized())
	o = ParseKubectl(q, pods.ExecResult{ExitCode: 1, Stderr: "Unable to connect to the server: dial tcp: lookup kubernetes.default.svc: no such host\n"})
	g.Expect(o).NotTo(BeAllowed())
	g.Expect(o.ConnError).To(gomega.ContainSubstring("no such host")) // no HTTP answer, not "not observed"
	o = ParseKubectl(q, pods.ExecResult{Stdout: "pod/a\n", Stderr: kubectlLog("GET", "/api/v1/namespaces/n/pods?limit=500", "200 OK")})
	g.Expect(o).To(BeAllowed())
}

// Without a logged response the status is not observed: not inferred from the
// exit code, nor from the word Forbidden.
func TestParseKubectlInfersNothing(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "list", Resource: "pods", Namespace: "n"}
	for name, res := range map[string]pods.ExecResult{
		"exit 0, empty output":  {},
		"exit 0, output":        {Stdout: "pod/a\n"},
		"the word Forbidden":    {ExitCode: 1, Stderr: `Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:n:default" cannot list resource "pods" in API group "" in the namespace "n"`},
		"another path's status": {Stderr: kubectlLog("GET", "/api/v1/namespaces/other/pods?limit=500", "200 OK")},
		"another method":        {Stderr: kubectlLog("POST", "/api/v1/namespaces/n/pods", "201 Created")},
	} {
		o := ParseKubectl(q, res)
		g.Expect(o).NotTo(BeAllowed(), name)
		g.Expect(o).NotTo(BeForbiddenFor(rbac.ServiceAccountUser("n", "default"), q), name)
		g.Expect(o.Cell()).To(gomega.Equal("not observed"), name)
		g.Expect(Happened(o)).To(gomega.ContainSubstring("the status was not observed"), name)
	}
}

// A dry-run write is matched on its query too: the response to the same path
// without dryRun=All is another request.
func TestParseKubectlMatchesTheDryRunQuery(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "create", Resource: "configmaps", Namespace: "n", DryRun: true}
	o := ParseKubectl(q, pods.ExecResult{Stdout: "configmap/x\n", Stderr: kubectlLog("POST", "/api/v1/namespaces/n/configmaps?dryRun=All&fieldManager=kubectl-create&fieldValidation=Strict", "201 Created")})
	g.Expect(o).To(BeAllowed())
	g.Expect(Happened(o)).To(gomega.ContainSubstring("kubectl -v=6 logged POST /api/v1/namespaces/n/configmaps?dryRun=All&fieldManager=kubectl-create&fieldValidation=Strict → 201"))
	o = ParseKubectl(q, pods.ExecResult{Stdout: "configmap/x\n", Stderr: kubectlLog("POST", "/api/v1/namespaces/n/configmaps?fieldManager=kubectl-create", "201 Created")})
	g.Expect(o.Cell()).To(gomega.Equal("not observed"))
	o = ParseKubectl(q, pods.ExecResult{Stdout: "configmap/x\n", Stderr: kubectlLog("POST", "/api/v1/namespaces/n/configmaps?dryRun=All", "500 Internal Server Error")})
	g.Expect(o.Code).To(gomega.Equal(500), "a logged 500 with exit 0 is a 500")
	g.Expect(o).NotTo(BeAllowed())
}

// kubectl delete --dry-run=server puts dryRun in the DeleteOptions body, which
// -v=6 does not log: the URL has no dryRun, and kubectl's own "(server dry run)"
// tells the dry run from a real delete.
func TestParseKubectlDryRunDelete(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "delete", Resource: "pods", Namespace: "n", Name: "victim", DryRun: true}
	logged := kubectlLog("DELETE", "/api/v1/namespaces/n/pods/victim", "200 OK")
	o := ParseKubectl(q, pods.ExecResult{Stdout: `pod "victim" deleted from n namespace (server dry run)` + "\n", Stderr: logged})
	g.Expect(o).To(BeAllowed())
	o = ParseKubectl(q, pods.ExecResult{Stdout: `pod "victim" deleted from n namespace` + "\n", Stderr: logged})
	g.Expect(o).NotTo(BeAllowed())
	g.Expect(o.Cell()).To(gomega.Equal("not observed"))
}

// kubectl logs reads the pod first; when that is refused the log request was
// never sent, and the cell says so instead of reporting the pod's 403 as the log's.
func TestParseKubectlNamesTheEarlierRefusal(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "get", Resource: "pods", Subresource: "log", Namespace: "n", Name: "p"}
	o := ParseKubectl(q, pods.ExecResult{ExitCode: 1, Stderr: kubectlLog("GET", "/api/v1/namespaces/n/pods/p", "403 Forbidden") +
		`Error from server (Forbidden): pods "p" is forbidden: User "system:serviceaccount:n:logs" cannot get resource "pods" in API group "" in the namespace "n"` + "\n"})
	g.Expect(o).NotTo(BeForbiddenFor(rbac.ServiceAccountUser("n", "logs"), q))
	g.Expect(o.Unobserved).To(gomega.ContainSubstring("kubectl did not send GET /api/v1/namespaces/n/pods/p/log: its earlier GET /api/v1/namespaces/n/pods/p answered 403"))
}

func TestRequestSentAs(t *testing.T) {
	g := gomega.NewWithT(t)
	w := rbac.Request{Verb: "watch", Resource: "pods", Namespace: "n"}
	g.Expect(w.SentAs("GET", "https://h/api/v1/namespaces/n/pods?timeoutSeconds=1&watch=1")).To(gomega.BeTrue())
	g.Expect(w.SentAs("GET", "/api/v1/namespaces/n/pods?watch=1&timeoutSeconds=1&resourceVersion=5")).To(gomega.BeTrue())
	g.Expect(w.SentAs("GET", "/api/v1/namespaces/n/pods")).To(gomega.BeFalse(), "a list is not the watch")
	g.Expect(w.SentAs("GET", "/api/v1/namespaces/n/pods/x")).To(gomega.BeFalse())
}

func TestParseJSONProbe(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "get", Resource: "pods", Subresource: "log", Namespace: "n", Name: "p"}
	o := parseJSONProbe("go", q, pods.ExecResult{Stdout: `{"code":403,"reason":"Forbidden","message":"pods \"p\" is forbidden: User \"system:serviceaccount:n:default\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"n\""}` + "\n"})
	g.Expect(o).To(BeForbiddenFor(rbac.ServiceAccountUser("n", "default"), q))
	o = parseJSONProbe("python", q, pods.ExecResult{ExitCode: 1, Stderr: "Traceback ..."})
	g.Expect(o.ConnError).NotTo(gomega.BeEmpty())
	g.Expect(o).NotTo(BeAllowed())
}

func TestAllowedIsTheVerbsSuccessStatusOnly(t *testing.T) {
	g := gomega.NewWithT(t)
	create := rbac.Request{Verb: "create", Resource: "pods", Namespace: "n"}
	del := rbac.Request{Verb: "delete", Resource: "pods", Namespace: "n", Name: "p"}
	g.Expect(Outcome{Request: create, Code: 201}).To(BeAllowed())
	g.Expect(Outcome{Request: create, Code: 200}).NotTo(BeAllowed(), "a create answers 201")
	g.Expect(Outcome{Request: del, Code: 200}).To(BeAllowed())
	g.Expect(Outcome{Request: del, Code: 202}).NotTo(BeAllowed(), "202 is not the 200 of a carried-out delete")
	for _, code := range []int{404, 409, 429, 500, 503} {
		g.Expect(Outcome{Request: del, Code: code}).NotTo(BeAllowed(), "HTTP %d", code)
	}
}

func TestHappenedNamesThrottlingAndServerErrors(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "list", Resource: "pods", Namespace: "n"}
	g.Expect(Happened(Outcome{Request: q, Code: 429, Reason: "TooManyRequests"})).To(gomega.SatisfyAll(
		gomega.ContainSubstring("HTTP 429 Too Many Requests"), gomega.ContainSubstring("throttled"), gomega.Not(gomega.ContainSubstring("was authorized"))))
	g.Expect(Happened(Outcome{Request: q, Code: 503, Reason: "ServiceUnavailable"})).To(gomega.SatisfyAll(
		gomega.ContainSubstring("HTTP 503"), gomega.ContainSubstring("server error"), gomega.Not(gomega.ContainSubstring("was authorized"))))
	g.Expect(Happened(Outcome{Request: q, Code: 404, Reason: "NotFound"})).To(gomega.ContainSubstring("authorized and the API answered HTTP 404"))
}

func TestWatchRequest(t *testing.T) {
	q := rbac.Request{Verb: "watch", Resource: "pods", Namespace: "n"}
	if q.URL() != "/api/v1/namespaces/n/pods?"+rbac.WatchQuery || q.HTTPMethod() != "GET" || q.SuccessCode() != 200 {
		t.Errorf("watch: URL %q method %s success %d", q.URL(), q.HTTPMethod(), q.SuccessCode())
	}
	if got := KubectlCommand(q); got != "kubectl get --raw '/api/v1/namespaces/n/pods?"+rbac.WatchQuery+"'" {
		t.Errorf("kubectl watch command %q", got)
	}
}

func TestParseKubectlReadsTheLoggedStatus(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "create", Resource: "configmaps", Namespace: "n"}
	log := `I1128 01:25:33.871139   23135 round_trippers.go:632] "Response" verb="GET" url="https://10.96.0.1:443/openapi/v3?timeout=32s" status="200 OK" milliseconds=38
I1128 01:25:34.205871   23135 round_trippers.go:632] "Response" verb="POST" url="https://10.96.0.1:443/api/v1/namespaces/n/configmaps?fieldManager=kubectl-create" status="201 Created" milliseconds=8
`
	o := ParseKubectl(q, pods.ExecResult{Stdout: "configmap/x\n", Stderr: log})
	g.Expect(o.Code).To(gomega.Equal(201))
	g.Expect(o).To(BeAllowed())
	g.Expect(o.Raw).NotTo(gomega.ContainSubstring("round_trippers"))

	throttled := `I1128 01:25:34.205871   23135 round_trippers.go:632] "Response" verb="POST" url="https://10.96.0.1:443/api/v1/namespaces/n/configmaps" status="429 Too Many Requests" milliseconds=8
Error from server (TooManyRequests): the server has received too many requests and has asked us to try again later
`
	o = ParseKubectl(q, pods.ExecResult{ExitCode: 1, Stderr: throttled})
	g.Expect(o.Code).To(gomega.Equal(429))
	g.Expect(o).NotTo(BeAllowed())
	g.Expect(Happened(o)).To(gomega.ContainSubstring("throttled"))
}

// A 404 for the named object is authorized-and-absent; a 404 for a route the
// API server does not serve, or a 403, is not; BeAllowedOrAbsent follows it.
func TestAuthorizedAbsent(t *testing.T) {
	get := rbac.Request{Verb: "get", Resource: "configmaps", Namespace: "n", Name: "cfg"}
	for _, c := range []struct {
		o    Outcome
		want bool
	}{
		{Outcome{Request: get, Code: 404, Reason: "NotFound", Message: `configmaps "cfg" not found`}, true},
		{Outcome{Request: rbac.Request{Verb: "get", Resource: "nodes", Subresource: "metrics", Name: "n1"}, Code: 404, Reason: "NotFound", Message: "the server could not find the requested resource"}, false},
		{Outcome{Request: get, Code: 403, Reason: "Forbidden", Message: `configmaps "cfg" is forbidden`}, false},
		{Outcome{Request: rbac.Request{Verb: "list", Resource: "configmaps", Namespace: "n"}, Code: 404, Reason: "NotFound", Message: `configmaps "" not found`}, false},
		{Outcome{Request: get, Code: 200, Body: `{"kind":"ConfigMap","metadata":{"name":"cfg"}}`}, false},
	} {
		if got := c.o.AuthorizedAbsent(); got != c.want {
			t.Errorf("%s: AuthorizedAbsent %v, want %v", c.o, got, c.want)
		}
		ok, _ := BeAllowedOrAbsent().Match(c.o)
		if ok != (c.want || c.o.Allowed()) {
			t.Errorf("%s: BeAllowedOrAbsent %v", c.o, ok)
		}
	}
	if ok, _ := BeAllowed().Match(Outcome{Request: get, Code: 404, Reason: "NotFound", Message: `configmaps "cfg" not found`}); ok {
		t.Error("BeAllowed accepted a 404")
	}
}

// Authentication answers kubectl's first request: without a discovery cache
// that is GET /api, and its logged 401 is what ParseKubectlFirst reports, saying
// so; nothing logged stays not observed.
func TestParseKubectlFirst(t *testing.T) {
	g := gomega.NewWithT(t)
	q := rbac.Request{Verb: "list", Resource: "pods", Namespace: "n"}
	res := pods.ExecResult{ExitCode: 1, Stderr: kubectlLog("GET", "/api?timeout=32s", "401 Unauthorized") + "error: You must be logged in to the server (Unauthorized)\n"}
	g.Expect(ParseKubectl(q, res)).NotTo(BeUnauthorized())
	o := ParseKubectlFirst(q, res)
	g.Expect(o).To(BeUnauthorized())
	g.Expect(o.Observed).To(gomega.ContainSubstring("GET /api?timeout=32s → 401, its first request"))
	o = ParseKubectlFirst(q, pods.ExecResult{ExitCode: 1, Stderr: "error: You must be logged in to the server (Unauthorized)\n"})
	g.Expect(o).NotTo(BeUnauthorized())
	g.Expect(o.Cell()).To(gomega.Equal("not observed"))
	// in a fresh pod, discovery prints the Status it got and a sentence
	res.Stderr = kubectlLog("GET", "/api?timeout=32s", "401 Unauthorized") + "{\n  \"kind\": \"Status\",\n  \"status\": \"Failure\",\n  \"message\": \"the server has asked for the client to provide credentials\",\n  \"reason\": \"Unauthorized\",\n  \"details\": {\"causes\": [{\"reason\": \"UnexpectedServerResponse\"}]},\n  \"code\": 401\n}\nerror: You must be logged in to the server (the server has asked for the client to provide credentials)\n"
	g.Expect(ParseKubectlFirst(q, res)).To(BeUnauthorized())
	res.Stderr = kubectlLog("GET", "/api?timeout=32s", "200 OK") + kubectlLog("GET", "/api/v1/namespaces/n/pods?limit=500", "401 Unauthorized") + "error: You must be logged in to the server (Unauthorized)\n"
	g.Expect(ParseKubectlFirst(q, res).Observed).To(gomega.ContainSubstring("/api/v1/namespaces/n/pods?limit=500 → 401"))
}

// An update that creates (201) is allowed; kubectl's 422 is Invalid from its
// words about the Status; a request kubectl did not send alone is said so.
func TestControllerVerbOutcomes(t *testing.T) {
	g := gomega.NewWithT(t)
	upd := rbac.Request{Verb: "update", Group: "coordination.k8s.io", Resource: "leases", Namespace: "n", Name: "l", DryRun: true}
	g.Expect(Outcome{Request: upd, Code: 201}.Allowed()).To(gomega.BeTrue())
	g.Expect(Outcome{Request: rbac.Request{Verb: "get", Resource: "pods", Name: "p"}, Code: 201}.Allowed()).To(gomega.BeFalse())
	ev := rbac.Request{Verb: "create", Resource: "events", Namespace: "n", DryRun: true}
	o := ParseKubectl(ev, pods.ExecResult{ExitCode: 1, Stderr: kubectlLog("POST", "/api/v1/namespaces/n/events?dryRun=All&fieldManager=kubectl-create", "422 Unprocessable Entity") +
		`The Event "inpod-x" is invalid: involvedObject.namespace: Invalid value: "": does not match event.namespace` + "\n"})
	g.Expect(o.AuthorizedInvalid()).To(gomega.BeTrue(), o.String())
	patch := rbac.Request{Verb: "patch", Group: "coordination.k8s.io", Resource: "leases", Namespace: "n", Name: "l", DryRun: true}
	o = ParseKubectl(patch, pods.ExecResult{ExitCode: 1, Stderr: kubectlLog("GET", "/apis/coordination.k8s.io/v1/namespaces/n/leases/l", "404 Not Found") +
		`Error from server (NotFound): leases.coordination.k8s.io "l" not found` + "\n"})
	why, ok := NotSentAlone(o)
	g.Expect(ok).To(gomega.BeTrue())
	g.Expect(why).To(gomega.ContainSubstring("its earlier GET /apis/coordination.k8s.io/v1/namespaces/n/leases/l answered 404"))
	_, ok = NotSentAlone(Outcome{Method: "curl", Request: patch, Code: 404})
	g.Expect(ok).To(gomega.BeFalse())
}
