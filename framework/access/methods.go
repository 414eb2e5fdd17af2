package access

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/inpod/inpod/framework/rbac"
	"regexp"
	"strconv"
	"strings"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/lines"
	"github.com/inpod/inpod/framework/netcheck"
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
	res, err := pods.Exec(ctx, r, t.Namespace, t.Pod, "sh", "-c", CurlScript(q.HTTPMethod(), q.URL(), q.Body))
	if err != nil {
		return Outcome{}, err
	}
	return withEgressPolicies(ctx, r, t, ParseCurl(q, res)), nil
}

func (Curl) DoAll(ctx context.Context, r *run.Run, t Target, qs []rbac.Request) []Answer {
	cmds := make([]string, len(qs))
	for i, q := range qs {
		cmds[i] = curlLine(q.HTTPMethod(), q.URL(), q.Body)
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
	np, err := netcheck.EgressPolicies(cctx, r.Proxy.Clientset(), t.Namespace, t.Pod)
	if err != nil || np == "" {
		return ""
	}
	return "; " + np
}

// ParseCurl reads curl's output: the body, then the status code on the last line.
func ParseCurl(q rbac.Request, res pods.ExecResult) Outcome {
	o := Outcome{Method: "curl", Request: q, Raw: lines.Clip(res.Stdout+res.Stderr, 2000)}
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

// fillStatus reads a Status object from the body, where there is one.
func fillStatus(o *Outcome) {
	var st struct {
		Kind, Reason, Message string
	}
	if json.Unmarshal([]byte(o.Body), &st) == nil && st.Kind == "Status" {
		o.Reason, o.Message = st.Reason, st.Message
	}
}

// jsonProbe is the one-line answer of the Python and Go request probes.
type jsonProbe struct {
	Code    int    `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
	Body    string `json:"body"`
	Error   string `json:"error"`
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
	o.Code, o.Reason, o.Message, o.Body, o.ConnError = p.Code, p.Reason, p.Message, p.Body, p.Error
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
	return strings.Replace(cmd, "kubectl ", "kubectl "+kubectlVerbosity+" ", 1)
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
	if q.DryRun {
		ns += " --dry-run=server"
	}
	switch {
	case q.Verb == "watch":
		// kubectl get -w never ends by itself; the watch request it makes, with
		// the server ending the stream after a second.
		return "kubectl get --raw '" + q.URL() + "'"
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

// kubectlVerbosity makes kubectl log each response's status on stderr.
const kubectlVerbosity = "-v=6"

var (
	// responseLine is client-go's -v=6 log of one response, e.g.
	// "Response" verb="POST" url="https://10.96.0.1:443/api/v1/...?x=y" status="201 Created" milliseconds=8
	responseLine = regexp.MustCompile(`"Response" verb="(\w+)" url="https?://[^/"]+([^?"]*)[^"]*" status="(\d{3})[^"]*"`)
	logLine      = regexp.MustCompile(`^[IWE]\d{4} \d\d:\d\d:\d\d`)
	serverErr    = regexp.MustCompile(`(?i)error from server \((\w+)\): (.*)`)
	authErr      = regexp.MustCompile(`error: You must be logged in to the server \((\w+)\)`)
)

var reasonCode = map[string]int{"Forbidden": 403, "Unauthorized": 401, "NotFound": 404, "AlreadyExists": 409, "Conflict": 409, "Invalid": 422, "BadRequest": 400,
	"MethodNotAllowed": 405, "Gone": 410, "TooManyRequests": 429, "InternalError": 500, "ServiceUnavailable": 503, "Timeout": 504}

// ParseKubectl reads kubectl's exit code, its "Error from server (Reason)" line
// and, where kubectl ran with -v=6, the status of q's own response (the last
// response to q's HTTP method on q's path). Without that log line an exit code 0
// counts as q's success status, the only status kubectl exits 0 on for it.
func ParseKubectl(q rbac.Request, res pods.ExecResult) Outcome {
	status, logged := kubectlStatus(q, res.Stderr)
	stderr := withoutLogLines(res.Stderr)
	o := Outcome{Method: "kubectl", Request: q, Body: res.Stdout, Raw: lines.Clip(res.Stdout+stderr, 2000)}
	if res.ExitCode == 0 {
		o.Code = q.SuccessCode()
		if logged {
			o.Code = status
		}
		return o
	}
	if m := serverErr.FindStringSubmatch(stderr); m != nil {
		o.Reason, o.Message, o.Code = m[1], strings.TrimSpace(m[2]), reasonCode[m[1]]
		if logged {
			o.Code = status
		}
		return o
	}
	if m := authErr.FindStringSubmatch(stderr); m != nil {
		o.Reason, o.Code = m[1], reasonCode[m[1]]
		o.Message = strings.TrimSpace(stderr)
		return o
	}
	if logged {
		o.Message = lines.Clip(stderr, 400)
		return o
	}
	o.ConnError = fmt.Sprintf("kubectl exit %d: %s", res.ExitCode, lines.Clip(stderr, 400))
	return o
}

// kubectlStatus is the status of the last response kubectl logged for q.
func kubectlStatus(q rbac.Request, stderr string) (int, bool) {
	code, found := 0, false
	for _, m := range responseLine.FindAllStringSubmatch(stderr, -1) {
		if m[1] == q.HTTPMethod() && m[2] == q.Path() {
			code, _ = strconv.Atoi(m[3])
			found = true
		}
	}
	return code, found
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
