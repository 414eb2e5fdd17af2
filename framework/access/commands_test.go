package access

import (
	"strings"
	"testing"

	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
)

// Every client sends exactly the request it is given: the HTTP method and the
// URL, for each verb, for a subresource's create and for a kubelet's subresource.
func TestEachClientSendsExactlyTheRequest(t *testing.T) {
	kubelet := rbac.Request{Verb: "get", Resource: "nodes", Subresource: "metrics", Name: "n1", Kubelet: "172.18.0.2:10250"}
	for _, c := range []struct {
		q           rbac.Request
		curl        string // the URL curl is given, after $APISERVER for the API server
		kubectlHas  []string
		kubectlNone string
	}{
		{q: rbac.Request{Verb: "get", Resource: "pods", Namespace: "n", Name: "p"}, curl: `-X GET -w '\n%{http_code}' "$APISERVER/api/v1/namespaces/n/pods/p"`,
			kubectlHas: []string{"kubectl -v=6 get pods p -n n -o name"}},
		{q: rbac.Request{Verb: "list", Resource: "pods", Namespace: "n"}, curl: `"$APISERVER/api/v1/namespaces/n/pods"`, kubectlHas: []string{"kubectl -v=6 get pods -n n -o name"}},
		{q: rbac.Request{Verb: "watch", Resource: "pods", Namespace: "n"}, curl: `"$APISERVER/api/v1/namespaces/n/pods?timeoutSeconds=1&watch=1"`,
			kubectlHas: []string{"kubectl -v=6 get --raw '/api/v1/namespaces/n/pods?timeoutSeconds=1&watch=1'"}},
		{q: rbac.Request{Verb: "create", Resource: "configmaps", Namespace: "n", Body: `{"kind":"ConfigMap"}`, DryRun: true},
			curl:       `-X POST -H 'Content-Type: application/json' --data '{"kind":"ConfigMap"}' -w '\n%{http_code}' "$APISERVER/api/v1/namespaces/n/configmaps?dryRun=All"`,
			kubectlHas: []string{"kubectl -v=6 create -n n --dry-run=server -f -"}},
		{q: rbac.Request{Verb: "update", Resource: "configmaps", Namespace: "n", Name: "c", Body: `{}`, DryRun: true}, curl: `-X PUT`,
			kubectlHas: []string{"kubectl -v=6 replace -n n --dry-run=server -f -"}},
		{q: rbac.Request{Verb: "patch", Resource: "configmaps", Namespace: "n", Name: "c", Body: `{}`, DryRun: true}, curl: `-X PATCH -H 'Content-Type: application/merge-patch+json'`,
			kubectlHas: []string{"kubectl -v=6 patch configmaps c -n n --dry-run=server --type=merge"}},
		{q: rbac.Request{Verb: "delete", Resource: "configmaps", Namespace: "n", Name: "c", DryRun: true}, curl: `-X DELETE -w '\n%{http_code}' "$APISERVER/api/v1/namespaces/n/configmaps/c?dryRun=All"`,
			kubectlHas: []string{"kubectl -v=6 delete configmaps c -n n --dry-run=server --wait=false"}},
		{q: rbac.Request{Verb: "deletecollection", Resource: "configmaps", Namespace: "n", DryRun: true}, curl: `-X DELETE -w '\n%{http_code}' "$APISERVER/api/v1/namespaces/n/configmaps?dryRun=All"`,
			kubectlHas: []string{"kubectl -v=6 delete --raw '/api/v1/namespaces/n/configmaps?dryRun=All'"}},
		{q: rbac.Request{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: "n", Name: "p", DryRun: true}, curl: `-X POST -w '\n%{http_code}' "$APISERVER/api/v1/namespaces/n/pods/p/exec?dryRun=All"`,
			kubectlHas: []string{"kubectl -v=6 create --raw '/api/v1/namespaces/n/pods/p/exec?dryRun=All' -f -"}, kubectlNone: "kubectl create -n"},
		{q: rbac.Request{Verb: "create", Group: "authorization.k8s.io", Resource: "subjectaccessreviews", Body: `{}`}, curl: `"$APISERVER/apis/authorization.k8s.io/v1/subjectaccessreviews"`,
			kubectlHas: []string{"kubectl -v=6 create --raw '/apis/authorization.k8s.io/v1/subjectaccessreviews' -f -"}},
		{q: kubelet, curl: `-X GET -w '\n%{http_code}' "https://172.18.0.2:10250/metrics"`,
			kubectlHas: []string{"kubectl -v=6 get --raw '/metrics' --server=https://172.18.0.2:10250 --token=\"$(cat $SA/token)\" --certificate-authority=$SA/ca.crt",
				"kubectl -v=6 get --raw '/metrics' --server=https://172.18.0.2:10250 --token=\"$(cat $SA/token)\" --insecure-skip-tls-verify"}},
	} {
		curl := curlRequest(c.q)
		if !strings.Contains(curl, c.curl) {
			t.Errorf("%s: curl %s\nwant it to contain %s", c.q, curl, c.curl)
		}
		if strings.Count(curl, "-X ") != strings.Count(curl, "-X "+c.q.HTTPMethod()) {
			t.Errorf("%s: curl sends another method: %s", c.q, curl)
		}
		kubectl := Kubectl{}.command(c.q)
		for _, want := range c.kubectlHas {
			if !strings.Contains(kubectl, want) {
				t.Errorf("%s: kubectl %s\nwant it to contain %s", c.q, kubectl, want)
			}
		}
		if c.kubectlNone != "" && strings.Contains(kubectl, c.kubectlNone) {
			t.Errorf("%s: kubectl %s sends another request (%s)", c.q, kubectl, c.kubectlNone)
		}
	}
	// curl asks a kubelet again with -k only when its certificate did not verify
	if curl := curlRequest(kubelet); !strings.Contains(curl, `if [ $rc = 51 ] || [ $rc = 60 ]; then`) || strings.Count(curl, " -k ") != 1 {
		t.Errorf("kubelet curl without its one verified-first fallback: %s", curl)
	}
}

// A kubelet's answers: its plain-text 403 is a refusal naming the identity, the
// verb and the subresource; its 200 shows what the route serves; an answer
// got without verifying the kubelet's certificate says so.
func TestKubeletOutcomes(t *testing.T) {
	q := rbac.Request{Verb: "get", Resource: "nodes", Subresource: "metrics", Name: "n1", Kubelet: "172.18.0.2:10250"}
	user := "system:serviceaccount:ops:ctl"
	refusal := "Forbidden (user=" + user + ", verb=get, resource=nodes, subresource(s)=[metrics])"
	unverifiedLine := unverifiedMark + " curl exit 60: the kubelet's certificate did not verify against the pod's CA\n"

	forbidden := ParseCurl(q, pods.ExecResult{Stdout: refusal + "\n403\n", Stderr: unverifiedLine})
	if ok, _ := BeForbiddenFor(user, q).Match(forbidden); !ok {
		t.Errorf("the kubelet's 403 is not a refusal for %s: %+v", user, forbidden)
	}
	if ok, _ := BeForbiddenFor("system:serviceaccount:ops:other", q).Match(forbidden); ok {
		t.Errorf("the kubelet's 403 matched another identity")
	}
	if !strings.Contains(forbidden.Unverified, "did not verify") || !strings.Contains(Happened(forbidden), "the kubelet at 172.18.0.2:10250 answered HTTP 403") ||
		!strings.Contains(Happened(forbidden), "not verified") {
		t.Errorf("happened %q, unverified %q", Happened(forbidden), forbidden.Unverified)
	}

	allowed := ParseCurl(q, pods.ExecResult{Stdout: "# HELP kubelet_x\n# TYPE kubelet_x counter\nkubelet_x 1\n200\n"})
	if ok, _ := BeAllowedOrAbsent().Match(allowed); !ok || allowed.Unverified != "" {
		t.Errorf("the kubelet's metrics are not allowed: %+v", allowed)
	}
	empty := ParseCurl(q, pods.ExecResult{Stdout: "\n200\n"})
	if ok, _ := BeAllowedOrAbsent().Match(empty); ok {
		t.Errorf("a 200 without the metrics counts as allowed")
	}

	probe := parseJSONProbe("go", q, pods.ExecResult{Stdout: `{"code":403,"reason":"Forbidden","message":"` + refusal + `","unverified":"x509: certificate signed by unknown authority"}`})
	if ok, _ := BeForbiddenFor(user, q).Match(probe); !ok || probe.Unverified == "" {
		t.Errorf("the probe's kubelet 403: %+v", probe)
	}
	python := parseJSONProbe("python", q, pods.ExecResult{Stdout: `{"code":403,"body":"` + refusal + `"}`})
	if ok, _ := BeForbiddenFor(user, q).Match(python); !ok {
		t.Errorf("a kubelet 403 reported with its body only is not read as one: %+v", python)
	}

	kubectl := ParseKubectl(q, pods.ExecResult{ExitCode: 1, Stderr: `I1207 08:00:00.000000      12 round_trippers.go:632] "Response" verb="GET" url="https://172.18.0.2:10250/metrics" status="403 Forbidden" milliseconds=3
Error from server (Forbidden): ` + refusal + "\n"})
	if ok, _ := BeForbiddenFor(user, q).Match(kubectl); !ok {
		t.Errorf("kubectl's kubelet 403: %+v", kubectl)
	}

	// nodes/proxy: the kubelet's 404 for a pod that does not exist comes only
	// after it authorized the request; another 404 is not that
	proxy := rbac.Request{Verb: "get", Resource: "nodes", Subresource: "proxy", Name: "n1", Kubelet: "172.18.0.2:10250"}
	absent := ParseCurl(proxy, pods.ExecResult{Stdout: `pod "` + rbac.KubeletAbsentPod + `" does not exist` + "\n404\n"})
	if ok, _ := BeAllowedOrAbsent().Match(absent); !ok || !strings.HasPrefix(proxy.Path(), "/containerLogs/") {
		t.Errorf("nodes/proxy's authorized 404: %+v at %s", absent, proxy.Path())
	}
	if ok, _ := BeAllowedOrAbsent().Match(ParseCurl(proxy, pods.ExecResult{Stdout: "404 page not found\n404\n"})); ok {
		t.Errorf("a kubelet's 404 for an unknown route counts as authorized")
	}
}

// kubectl that reached no server had no HTTP answer: neither refused nor
// "not observed".
func TestParseKubectlConnectionRefused(t *testing.T) {
	q := rbac.Request{Verb: "get", Resource: "nodes", Subresource: "metrics", Name: "n1", Kubelet: "172.18.0.2:10250"}
	o := ParseKubectl(q, pods.ExecResult{ExitCode: 1, Stderr: "The connection to the server 172.18.0.2:10250 was refused - did you specify the right host or port?\n"})
	if o.ConnError == "" || o.Unobserved != "" || o.Cell() != "no answer" {
		t.Errorf("refused connection: %+v", o)
	}
	o = ParseKubectl(q, pods.ExecResult{ExitCode: 1, Stderr: "Unable to connect to the server: dial tcp 172.18.0.2:10250: i/o timeout\n"})
	if !strings.Contains(o.ConnError, "i/o timeout") {
		t.Errorf("timeout: %+v", o)
	}
}
