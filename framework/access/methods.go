package access

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/inpod/inpod/framework/rbac"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/lines"
	"github.com/inpod/inpod/framework/netdiag"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/run"
)

// Target is the probe pod a method runs in.
type Target struct{ Namespace, Pod string }

// Method is one way of reaching the API from inside a pod.
type Method interface {
	// Name is the method label suffix: curl, python, go, kubectl.
	Name() string
	// Do makes q from inside t and reports what came back; the error is for a
	// failed exec, not for an API refusal.
	Do(ctx context.Context, r *run.Run, t Target, q rbac.Request) (Outcome, error)
	// DoAll makes qs from inside t one after another in one exec, and answers
	// each in order (Batch).
	DoAll(ctx context.Context, r *run.Run, t Target, qs []rbac.Request) []Answer
}

// Methods are the guide's methods in its order: config.Methods, the one list of
// their names, each with its implementation.
var Methods = func() []Method {
	ms := make([]Method, 0, len(config.Methods))
	for _, name := range config.Methods {
		var m Method
		switch name {
		case "curl":
			m = Curl{}
		case "python":
			m = Python{}
		case "go":
			m = Go{}
		case "kubectl":
			m = Kubectl{}
		default:
			panic("access: config.Methods names " + name + ", which has no implementation")
		}
		ms = append(ms, m)
	}
	return ms
}()

// ByName finds a method.
func ByName(name string) Method {
	for _, m := range Methods {
		if m.Name() == name {
			return m
		}
	}
	panic("unknown method " + name)
}

// Curl is the guide's Methods 1 and 2: curl with the mounted token and CA.
type Curl struct{}

func (Curl) Name() string { return "curl" }

// CurlPreamble is the guide's Method 1 set-up: the API server's address, and the
// mounted token, CA certificate and namespace in shell variables.
const CurlPreamble = `APISERVER=https://kubernetes.default.svc
TOKEN=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)
CACERT=/var/run/secrets/kubernetes.io/serviceaccount/ca.crt
NAMESPACE=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)
`

// CurlScript is CurlPreamble, then one curl whose last output line is the HTTP
// status.
func CurlScript(method, path, body string) string { return CurlPreamble + curlLine(method, path, body) }

// curlRequest is q's curl, without the preamble: to the API server, or to the
// kubelet that authorizes q, verified against the pod's CA first and, when
// that fails (curl exit 51 or 60: the kubelet's own certificate), sent again
// with -k after a line that says so on stderr.
func curlRequest(q rbac.Request) string {
	if q.Kubelet == "" {
		return curlLine(q.HTTPMethod(), q.URL(), q.Body)
	}
	line := curlLine(q.HTTPMethod(), q.URL(), "")
	line = strings.Replace(line, `"$APISERVER`, `"`, 1)
	return line + `; rc=$?; if [ $rc = 51 ] || [ $rc = 60 ]; then echo "` + unverifiedMark + ` curl exit $rc: the kubelet's certificate did not verify against the pod's CA" >&2; ` +
		strings.Replace(line, "--cacert $CACERT", "-k", 1) + `; else exit $rc; fi`
}

// unverifiedMark starts the line a client prints on stderr before it asks a
// kubelet again without verifying its certificate.
const unverifiedMark = "@@inpod-unverified"

// unverified is what the client said after unverifiedMark, or "".
func unverified(stderr string) string {
	i := strings.Index(stderr, unverifiedMark)
	if i < 0 {
		return ""
	}
	l, _, _ := strings.Cut(stderr[i+len(unverifiedMark):], "\n")
	return strings.TrimSpace(l)
}

// curlLine is the curl of CurlScript, without the preamble.
func curlLine(method, path, body string) string {
	data := ""
	if body != "" {
		ctype := "application/json"
		if method == "PATCH" {
			ctype = "application/merge-patch+json"
		}
		data = fmt.Sprintf(" -H 'Content-Type: %s' --data '%s'", ctype, strings.ReplaceAll(body, "'", `'\''`))
	}
	return `curl -sS --connect-timeout 5 --max-time 20 --cacert $CACERT --header "Authorization: Bearer $TOKEN" -X ` + method + data +
		` -w '\n%{http_code}' "$APISERVER` + path + `"`
}

func (Curl) Do(ctx context.Context, r *run.Run, t Target, q rbac.Request) (Outcome, error) {
	res, err := pods.Exec(ctx, r, t.Namespace, t.Pod, "sh", "-c", CurlPreamble+curlRequest(q))
	if err != nil {
		return Outcome{}, err
	}
	return withEgressPolicies(ctx, r, t, ParseCurl(q, res)), nil
}

func (Curl) DoAll(ctx context.Context, r *run.Run, t Target, qs []rbac.Request) []Answer {
	cmds := make([]string, len(qs))
	for i, q := range qs {
		cmds[i] = curlRequest(q)
	}
	return shellBatch(ctx, r, t, qs, CurlPreamble, cmds, ParseCurl)
}

// withEgressPolicies adds to an outcome without an HTTP answer the NetworkPolicies
// that restrict the pod's egress, so that the red spec names them.
func withEgressPolicies(ctx context.Context, r *run.Run, t Target, o Outcome) Outcome {
	if o.ConnError != "" {
		o.ConnError += EgressPolicies(ctx, r, t)
	}
	return o
}

// EgressPolicies is "; NetworkPolicy … selects pod … and restricts its egress"
// for the pod t, or "" when none does (or they cannot be read).
func EgressPolicies(ctx context.Context, r *run.Run, t Target) string {
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	np, err := netdiag.EgressPolicies(cctx, r.Proxy.Clientset(), t.Namespace, t.Pod)
	if err != nil || np == "" {
		return ""
	}
	return "; " + np
}

// ParseCurl reads curl's output: the body, then the status code on the last line.
func ParseCurl(q rbac.Request, res pods.ExecResult) Outcome {
	o := Outcome{Method: "curl", Request: q, Raw: lines.Clip(res.Stdout+res.Stderr, 2000), Unverified: unverified(res.Stderr)}
	if res.ExitCode != 0 {
		o.ConnError = fmt.Sprintf("curl exit %d: %s", res.ExitCode, lines.Clip(res.Stderr, 300))
		return o
	}
	body := strings.TrimRight(res.Stdout, "\n")
	i := strings.LastIndex(body, "\n")
	code, err := strconv.Atoi(strings.TrimSpace(body[i+1:]))
	if err != nil {
		o.ConnError = "curl printed no status code: " + lines.Clip(res.Stdout, 300)
		return o
	}
	o.Code = code
	if i >= 0 {
		o.Body = body[:i]
	}
	fillStatus(&o)
	return o
}

// fillStatus reads a Status object from the body, where there is one. A
// kubelet answers a refusal in plain text ("Forbidden (user=…, verb=…,
// resource=nodes, subresource(s)=[…])"): its reason is the status's name and
// its message the text.
func fillStatus(o *Outcome) {
	var st struct {
		Kind, Reason, Message string
	}
	switch {
	case json.Unmarshal([]byte(o.Body), &st) == nil && st.Kind == "Status":
		o.Reason, o.Message = st.Reason, st.Message
	case o.Request.Kubelet != "" && o.Message == "" && (o.Code == 401 || o.Code == 403):
		o.Reason, o.Message = strings.ReplaceAll(http.StatusText(o.Code), " ", ""), strings.TrimSpace(o.Body)
	}
}

// jsonProbe is the one-line answer of the Python and Go request probes.
type jsonProbe struct {
	Code    int    `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Body    string `json:"body"`
	Error   string `json:"error"`
	// Unverified: why the probe asked a kubelet again without verifying its certificate
	Unverified string `json:"unverified"`
}

func parseJSONProbe(method string, q rbac.Request, res pods.ExecResult) Outcome {
	o := Outcome{Method: method, Request: q, Raw: lines.Clip(res.Stdout+res.Stderr, 2000)}
	var p jsonProbe
	line := strings.TrimSpace(res.Stdout)
	if i := strings.LastIndex(line, "\n"); i >= 0 {
		line = line[i+1:]
	}
	if err := json.Unmarshal([]byte(line), &p); err != nil {
		o.ConnError = fmt.Sprintf("probe exit %d without an answer: %s", res.ExitCode, lines.Clip(res.Stderr+res.Stdout, 400))
		return o
	}
	o.Code, o.Reason, o.Message, o.Body, o.ConnError, o.Unverified = p.Code, p.Reason, p.Message, p.Body, p.Error, p.Unverified
	if o.ConnError == "" {
		fillStatus(&o)
	}
	return o
}

// Python is the guide's Method 3: the official Python client, in-cluster config.
type Python struct{}

func (Python) Name() string { return "python" }

func (Python) Do(ctx context.Context, r *run.Run, t Target, q rbac.Request) (Outcome, error) {
	cmd := []string{"python3", "/app/inpod_request.py", q.HTTPMethod(), q.URL()}
	if q.Body != "" {
		cmd = append(cmd, q.Body)
	}
	res, err := pods.Exec(ctx, r, t.Namespace, t.Pod, cmd...)
	if err != nil {
		return Outcome{}, err
	}
	return withEgressPolicies(ctx, r, t, parseJSONProbe("python", q, res)), nil
}

func (Python) DoAll(ctx context.Context, r *run.Run, t Target, qs []rbac.Request) []Answer {
	return probeBatch(ctx, r, t, "python", qs, "python3", "/app/inpod_request.py")
}

// Go is the guide's Method 4: client-go, rest.InClusterConfig.
type Go struct{}

func (Go) Name() string { return "go" }

func (Go) Do(ctx context.Context, r *run.Run, t Target, q rbac.Request) (Outcome, error) {
	cmd := []string{"/app/inpod-request", q.HTTPMethod(), q.URL()}
	if q.Body != "" {
		cmd = append(cmd, q.Body)
	}
	res, err := pods.Exec(ctx, r, t.Namespace, t.Pod, cmd...)
	if err != nil {
		return Outcome{}, err
	}
	return withEgressPolicies(ctx, r, t, parseJSONProbe("go", q, res)), nil
}

func (Go) DoAll(ctx context.Context, r *run.Run, t Target, qs []rbac.Request) []Answer {
	return probeBatch(ctx, r, t, "go", qs, "/app/inpod-request")
}

// Kubectl is the guide's Method 5: kubectl inside the pod, in-cluster config.
// Raw sends exactly q's one request (kubectl get/delete --raw PATH) instead of the
// command a user would type, which may make other requests first (kubectl logs
// reads the pod before its log). Either way kubectl runs with -v=6, which logs
// the status of every response, so the outcome has q's real HTTP status.
type Kubectl struct{ Raw bool }

func (Kubectl) Name() string { return "kubectl" }

func (k Kubectl) Do(ctx context.Context, r *run.Run, t Target, q rbac.Request) (Outcome, error) {
	res, err := pods.Exec(ctx, r, t.Namespace, t.Pod, "sh", "-c", k.command(q))
	if err != nil {
		return Outcome{}, err
	}
	return withEgressPolicies(ctx, r, t, ParseKubectl(q, res)), nil
}

func (k Kubectl) DoAll(ctx context.Context, r *run.Run, t Target, qs []rbac.Request) []Answer {
	cmds := make([]string, len(qs))
	for i, q := range qs {
		cmds[i] = k.command(q)
	}
	return shellBatch(ctx, r, t, qs, "", cmds, ParseKubectl)
}

// command is q's kubectl command line, with -v=6.
func (k Kubectl) command(q rbac.Request) string {
	cmd := KubectlCommand(q)
	if k.Raw {
		cmd = KubectlRawCommand(q)
	}
	if q.Kubelet != "" {
		return cmd // KubectlCommand gave each of its kubectls -v=6
	}
	return strings.Replace(cmd, "kubectl ", "kubectl "+KubectlVerbosity+" ", 1)
}

// kubeletCommand is kubectl sending q to the kubelet that authorizes it: the
// pod's token and CA given as flags beside --server (in-cluster configuration
// names the API server only), and, when the kubelet's certificate does not
// verify against that CA, sent again with --insecure-skip-tls-verify after a
// line that says so on stderr.
func kubeletCommand(q rbac.Request) string {
	get := "kubectl " + KubectlVerbosity + " get --raw '" + q.Path() + "' --server=" + q.Endpoint() + ` --token="$(cat $SA/token)"`
	return `SA=/var/run/secrets/kubernetes.io/serviceaccount; { e=$(` + get + ` --certificate-authority=$SA/ca.crt 2>&1 >&3); rc=$?; } 3>&1; ` +
		`case "$e" in *x509:*|*"failed to verify certificate"*) echo "` + unverifiedMark + ` the kubelet's certificate did not verify against the pod's CA: $(echo "$e" | grep -m1 -o 'x509: .*')" >&2; ` +
		get + ` --insecure-skip-tls-verify;; *) printf '%s\n' "$e" >&2; exit $rc;; esac`
}

// KubectlCommand is the kubectl command line a user would type for q.
func KubectlCommand(q rbac.Request) string {
	res := q.Resource
	if q.Group != "" {
		res += "." + q.Group
	}
	ns := ""
	switch {
	case q.Namespace != "":
		ns = " -n " + q.Namespace
	case q.Verb == "list":
		ns = " -A" // cluster-wide; kubectl alone would ask the pod's own namespace
	}
	body := strings.ReplaceAll(q.Body, "'", `'\''`)
	if q.Kubelet != "" {
		return kubeletCommand(q)
	}
	if q.DryRun {
		ns += " --dry-run=server"
	}
	switch {
	case q.Verb == "watch":
		// kubectl get -w never ends by itself; the watch request it makes, with
		// the server ending the stream after a second.
		return "kubectl get --raw '" + q.URL() + "'"
	case q.Verb == "deletecollection":
		// kubectl delete --all lists, then deletes one by one: the one
		// request, sent raw
		return "kubectl delete --raw '" + q.URL() + "'"
	case q.Verb == "create" && ((q.Name == "" && strings.HasSuffix(q.Resource, "reviews")) || q.Subresource != ""):
		// an access review has no name for -o name, and kubectl create prints
		// nothing of its answer: the POST, raw, prints the review's status. A
		// subresource's create (pods/exec, serviceaccounts/token) is sent raw
		// too: kubectl create -f would create the object itself.
		return "echo '" + body + "' | kubectl create --raw '" + q.URL() + "' -f -"
	case q.Verb == "get" && q.Subresource == "log":
		return "kubectl logs " + q.Name + ns
	case q.Verb == "list":
		return "kubectl get " + res + ns + " -o name"
	case q.Verb == "get":
		return "kubectl get " + res + " " + q.Name + ns + " -o name"
	case q.Verb == "create":
		return "echo '" + body + "' | kubectl create" + ns + " -f - -o name"
	case q.Verb == "update":
		return "echo '" + body + "' | kubectl replace" + ns + " -f - -o name"
	case q.Verb == "patch":
		return "kubectl patch " + res + " " + q.Name + ns + " --type=merge -p '" + body + "' -o name"
	case q.Verb == "delete":
		return "kubectl delete " + res + " " + q.Name + ns + " --wait=false"
	}
	return "kubectl get --raw " + q.Path()
}

// KubectlRawCommand sends q's one request with kubectl --raw (GET and DELETE).
func KubectlRawCommand(q rbac.Request) string {
	if q.Verb == "delete" {
		return "kubectl delete --raw '" + q.URL() + "'"
	}
	return "kubectl get --raw '" + q.URL() + "'"
}

// KubectlVerbosity makes kubectl log each response's status on stderr.
const KubectlVerbosity = "-v=6"

var (
	// responseLine is client-go's -v=6 log of one response, e.g.
	// "Response" verb="POST" url="https://10.96.0.1:443/api/v1/...?x=y" status="201 Created" milliseconds=8
	responseLine = regexp.MustCompile(`"Response" verb="(\w+)" url="([^"]+)" status="(\d{3})[^"]*"`)
	logLine      = regexp.MustCompile(`^[IWE]\d{4} \d\d:\d\d:\d\d`)
	serverErr    = regexp.MustCompile(`(?i)error from server \((\w+)\): (.*)`)
	authErr      = regexp.MustCompile(`error: You must be logged in to the server \((\w+)\)`)
	invalidErr   = regexp.MustCompile(`The \w+ "[^"]*" is invalid: .*`)
)

// ParseKubectl takes q's status from kubectl's -v=6 log: the last response to
// q's HTTP method, path and query. Without that line the status was not
// observed, whatever kubectl's exit code or words: the outcome has no code and
// says why (which earlier request kubectl was refused, when it made one first —
// kubectl logs reads the pod before its log). The Status's reason and message
// come from kubectl's "Error from server (Reason)" line.
func ParseKubectl(q rbac.Request, res pods.ExecResult) Outcome {
	stderr := withoutLogLines(res.Stderr)
	o := Outcome{Method: "kubectl", Request: q, Body: res.Stdout, Raw: lines.Clip(res.Stdout+stderr, 2000)}
	if m := serverErr.FindStringSubmatch(stderr); m != nil {
		o.Reason, o.Message = m[1], strings.TrimSpace(m[2])
	} else if m := authErr.FindStringSubmatch(stderr); m != nil {
		o.Reason, o.Message = m[1], strings.TrimSpace(stderr)
	}
	seen := kubectlResponses(res.Stderr)
	for _, r := range seen {
		if q.SentAs(r.method, r.url) {
			o.Code = r.code
			o.Observed = fmt.Sprintf("kubectl -v=6 logged %s %s → %d", r.method, r.path(), r.code)
		}
	}
	if m := invalidErr.FindStringSubmatch(stderr); o.Code == 422 && o.Reason == "" && m != nil {
		// kubectl words a 422's Status as "The Kind "name" is invalid: …"
		o.Reason, o.Message = "Invalid", strings.TrimSpace(m[0])
	}
	if o.Code != 0 {
		if q.DryRun && q.Verb == "delete" && o.Code == q.SuccessCode() && !strings.Contains(res.Stdout, "(server dry run)") {
			// the DELETE's dryRun is in its body, which -v=6 does not log;
			// kubectl says it was a dry run, or the 200 may be a real delete's.
			o.Code, o.Observed, o.Unobserved = 0, "", "kubectl's DELETE answered 200 but kubectl did not say \"(server dry run)\""
		}
		return o
	}
	o.Reason, o.Message = "", ""
	why := fmt.Sprintf("kubectl exit %d logged no response to %s %s", res.ExitCode, q.HTTPMethod(), q.URL())
	for _, r := range seen {
		if r.code >= 400 {
			why = fmt.Sprintf("kubectl did not send %s %s: its earlier %s %s answered %d", q.HTTPMethod(), q.URL(), r.method, r.path(), r.code)
			if msg := serverErr.FindStringSubmatch(stderr); msg != nil {
				why += " " + msg[1] + ": " + strings.TrimSpace(msg[2])
			}
			break
		}
	}
	if len(seen) == 0 && res.ExitCode != 0 {
		if m := kubectlConnErr.FindString(stderr); m != "" {
			// no HTTP answer at all: the server could not be reached
			o.ConnError = "kubectl exit " + strconv.Itoa(res.ExitCode) + ": " + m
			return o
		}
		why += ": " + lines.Clip(stderr, 400)
	}
	o.Unobserved = why
	return o
}

// kubectlConnErr is kubectl's account of a server it could not reach.
var kubectlConnErr = regexp.MustCompile(`The connection to the server \S+ was refused[^\n]*|Unable to connect to the server: [^\n]*`)

// ParseKubectlFirst is ParseKubectl where what is asked about is
// authentication, which answers the first request kubectl sends, whichever it
// is: when kubectl never sent q (a fresh home, no discovery cache, so its
// GET /api came first and was refused), the outcome is that first request's
// logged status, and says so.
func ParseKubectlFirst(q rbac.Request, res pods.ExecResult) Outcome {
	o := ParseKubectl(q, res)
	seen := kubectlResponses(res.Stderr)
	if o.Code != 0 || len(seen) == 0 {
		return o
	}
	first := seen[0]
	o.Code, o.Unobserved = first.code, ""
	o.Observed = fmt.Sprintf("kubectl -v=6 logged %s %s → %d, its first request (it sent no %s %s)", first.method, first.path(), first.code, q.HTTPMethod(), q.URL())
	stderr := withoutLogLines(res.Stderr)
	switch m := serverErr.FindStringSubmatch(stderr); {
	case m != nil:
		o.Reason, o.Message = m[1], strings.TrimSpace(m[2])
	case statusReason.MatchString(stderr):
		// discovery prints the Status it got; its first reason is the top level's
		o.Reason, o.Message = statusReason.FindStringSubmatch(stderr)[1], lines.Clip(strings.TrimSpace(stderr), 400)
	case authErr.MatchString(stderr):
		o.Reason, o.Message = authErr.FindStringSubmatch(stderr)[1], strings.TrimSpace(stderr)
	}
	return o
}

// statusReason is the reason of a Status object kubectl printed.
var statusReason = regexp.MustCompile(`"reason": "(\w+)"`)

// kubectlResponse is one response kubectl logged.
type kubectlResponse struct {
	method, url string
	code        int
}

func (r kubectlResponse) path() string {
	if u, err := url.Parse(r.url); err == nil {
		return u.RequestURI()
	}
	return r.url
}

// kubectlResponses are the responses kubectl logged at -v=6, in order.
func kubectlResponses(stderr string) []kubectlResponse {
	var out []kubectlResponse
	for _, m := range responseLine.FindAllStringSubmatch(stderr, -1) {
		code, _ := strconv.Atoi(m[3])
		out = append(out, kubectlResponse{method: m[1], url: m[2], code: code})
	}
	return out
}

// withoutLogLines drops klog's lines (-v=6) from kubectl's stderr.
func withoutLogLines(stderr string) string {
	var keep []string
	for _, l := range strings.Split(stderr, "\n") {
		if !logLine.MatchString(l) {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
