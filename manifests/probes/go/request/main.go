// Command inpod-request is inpod's Go-client probe: one API request made with
// client-go's in-cluster configuration (the mounted token and CA), answered as one
// JSON line. The guide's own main.go (one directory up) covers "list pods"; this
// covers the other verbs and resources its RBAC rules are about.
//
//	inpod-request sleep                    keep the container running
//	inpod-request METHOD PATH [BODY-JSON]  e.g. GET /api/v1/namespaces/x/pods
//	                                       (PATH may carry a query: ?watch=1&timeoutSeconds=1;
//	                                       it may be a kubelet's https://HOST:PORT/PATH)
//	inpod-request batch METHOD PATH BODY-JSON|"" ...
//	                                       several requests, one after another in
//	                                       the order given, one JSON line each
//	inpod-request loop PATH SECONDS        GET PATH every SECONDS with one long-lived
//	                                       client, one JSON line each: the code, and the
//	                                       iat/exp/jti of the token the client sent (read
//	                                       from the request's Authorization header) and of
//	                                       the mounted file, to see the kubelet rotate it
//	inpod-request loop-static PATH SECONDS the same with a client that reads the token
//	                                       once and never again (a self-test fault: a
//	                                       client that ignores rotation)
//	inpod-request framed COMMAND [ARG...]  run COMMAND, then print its stdout, stderr
//	                                       and exit code framed: one command reported
//	                                       through the pod's log where exec is refused
package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

type outcome struct {
	Code       int    `json:"code,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Message    string `json:"message,omitempty"`
	Body       string `json:"body,omitempty"`
	Error      string `json:"error,omitempty"`
	Unverified string `json:"unverified,omitempty"`
}

const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// kubelet sends a request to a kubelet (url https://HOST:PORT/PATH) with the
// pod's token: its certificate verified against the pod's CA first and, when
// that fails (kind's kubelets sign their own), sent again unverified, which
// the answer says. A kubelet words a refusal in plain text, not a Status.
func kubelet(method, url string) outcome {
	token, err := os.ReadFile(serviceAccountDir + "/token")
	if err != nil {
		return outcome{Error: err.Error()}
	}
	ca, err := os.ReadFile(serviceAccountDir + "/ca.crt")
	if err != nil {
		return outcome{Error: err.Error()}
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	var out outcome
	for _, verify := range []bool{true, false} {
		tlsConfig := &tls.Config{RootCAs: pool, InsecureSkipVerify: !verify} //nolint:gosec // said in the answer
		client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConfig}}
		req, err := http.NewRequest(method, url, nil)
		if err != nil {
			return outcome{Error: err.Error()}
		}
		req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
		resp, err := client.Do(req)
		var unknown x509.UnknownAuthorityError
		var invalid x509.HostnameError
		if verify && (errors.As(err, &unknown) || errors.As(err, &invalid) || (err != nil && strings.Contains(err.Error(), "failed to verify certificate"))) {
			out.Unverified = "the kubelet's certificate did not verify against the pod's CA: " + err.Error()
			continue
		}
		if err != nil {
			out.Error = err.Error()
			return out
		}
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		_ = resp.Body.Close()
		if err != nil {
			out.Error = "reading the kubelet's answer: " + err.Error()
			return out
		}
		out.Code, out.Body = resp.StatusCode, string(raw)
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			out.Reason, out.Message = strings.ReplaceAll(http.StatusText(resp.StatusCode), " ", ""), strings.TrimSpace(string(raw))
		}
		return out
	}
	return out
}

func main() {
	if len(os.Args) > 2 && os.Args[1] == "framed" {
		os.Exit(framed(os.Args[2:]))
	}
	if len(os.Args) == 2 && os.Args[1] == "sleep" {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		return
	}
	if len(os.Args) == 4 && (os.Args[1] == "loop" || os.Args[1] == "loop-static") {
		loop(os.Args[2], os.Args[3], os.Args[1] == "loop-static")
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "batch" {
		batch(os.Args[2:])
		return
	}
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: inpod-request sleep | METHOD PATH [BODY-JSON] | batch METHOD PATH BODY-JSON|\"\" ...")
		os.Exit(2)
	}
	out := do(strings.ToUpper(os.Args[1]), os.Args[2], strings.Join(os.Args[3:], " "))
	_ = json.NewEncoder(os.Stdout).Encode(out)
}

// batch answers each (METHOD, PATH, BODY) triple with one JSON line, in order.
func batch(args []string) {
	if len(args) == 0 || len(args)%3 != 0 {
		fmt.Fprintln(os.Stderr, "usage: inpod-request batch METHOD PATH BODY-JSON|\"\" ...")
		os.Exit(2)
	}
	enc := json.NewEncoder(os.Stdout)
	for i := 0; i < len(args); i += 3 {
		_ = enc.Encode(do(strings.ToUpper(args[i]), args[i+1], args[i+2]))
	}
}

func do(method, path, body string) outcome {
	if strings.HasPrefix(path, "https://") {
		return kubelet(method, path)
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		return outcome{Error: "in-cluster config: " + err.Error()}
	}
	cfg.Timeout = 20 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return outcome{Error: err.Error()}
	}
	// A query (a watch's watch=1&timeoutSeconds=1) goes in as parameters:
	// AbsPath would escape its "?" into the path.
	path, rawQuery, _ := strings.Cut(path, "?")
	req := cs.Discovery().RESTClient().Verb(method).AbsPath(path)
	query, err := url.ParseQuery(rawQuery)
	if err != nil {
		return outcome{Error: "query " + rawQuery + ": " + err.Error()}
	}
	for k, vs := range query {
		for _, v := range vs {
			req = req.Param(k, v)
		}
	}
	if body != "" {
		req = req.Body([]byte(body))
		if method == "PATCH" {
			req = req.SetHeader("Content-Type", string(types.MergePatchType))
		}
	}
	var code int
	raw, err := req.Do(context.Background()).StatusCode(&code).Raw()
	var status apierrors.APIStatus
	var st metav1.Status
	switch {
	case err == nil:
		return outcome{Code: code, Body: clip(string(raw))}
	case code != 0 && json.Unmarshal(raw, &st) == nil && st.Kind == "Status":
		// The server's own Status: the generic client does not always decode it.
		return outcome{Code: code, Reason: string(st.Reason), Message: st.Message, Body: clip(string(raw))}
	case errors.As(err, &status) && status.Status().Code != 0:
		s := status.Status()
		return outcome{Code: int(s.Code), Reason: string(s.Reason), Message: s.Message, Body: clip(string(raw))}
	default:
		return outcome{Error: err.Error()}
	}
}

// loop keeps one clientset, as a long-running controller does: client-go re-reads
// the token file behind InClusterConfig, so a rotated token is picked up. Each
// line names the claims of the token the client actually sent, taken from the
// request's Authorization header (WrapTransport sits inside client-go's bearer
// token round tripper, so it sees the header that went out). static makes the
// client read the token once and keep it, as a client that ignores rotation does.
func loop(path, every string, static bool) {
	interval, err := time.ParseDuration(every + "s")
	if err != nil {
		fmt.Fprintln(os.Stderr, "loop: bad interval:", err)
		os.Exit(2)
	}
	cfg, err := rest.InClusterConfig()
	if err != nil {
		fmt.Fprintln(os.Stderr, "loop:", err)
		os.Exit(1)
	}
	if static {
		cfg.BearerTokenFile = "" // keep the token read at start, never re-read it
	}
	cfg.Timeout = 10 * time.Second
	var mu sync.Mutex
	var sent claims
	cfg.WrapTransport = func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(req *http.Request) (*http.Response, error) {
			c := claimsOf(strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer "))
			mu.Lock()
			sent = c
			mu.Unlock()
			return rt.RoundTrip(req)
		})
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loop:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	for {
		mu.Lock()
		sent = claims{}
		mu.Unlock()
		var code int
		err := cs.Discovery().RESTClient().Get().AbsPath(path).Do(context.Background()).StatusCode(&code).Error()
		raw, _ := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/token")
		mu.Lock()
		line := map[string]any{"time": time.Now().Unix(), "code": code, "sent": sent, "file": claimsOf(string(raw)),
			"iat": claimsOf(string(raw)).IssuedAt}
		mu.Unlock()
		if err != nil && code == 0 {
			line["error"] = err.Error()
		}
		_ = enc.Encode(line)
		time.Sleep(interval)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// claims are the JWT claims that tell two tokens apart.
type claims struct {
	IssuedAt int64  `json:"iat"`
	Expiry   int64  `json:"exp"`
	ID       string `json:"jti"`
}

// claimsOf decodes a JWT's payload (no verification: the API server does that);
// zero claims when tok is not a JWT.
func claimsOf(tok string) claims {
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		return claims{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return claims{}
	}
	var c claims
	_ = json.Unmarshal(payload, &c)
	return c
}

func clip(s string) string {
	if len(s) > 1<<20 {
		return s[:1<<20]
	}
	return s
}

// framed runs args as a command of its own and prints its stdout, then its
// stderr and its exit code, each after a marker line: how a pod whose exec is
// refused reports one command through its log, where both streams are one
// (the marker lines are inpod's pods.LogFrame).
func framed(args []string) int {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	rc := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			fmt.Fprintf(&stderr, "%v\n", err)
			rc = 127
		} else {
			rc = exit.ExitCode()
		}
	}
	fmt.Printf("%s\n@@inpod-log-stderr\n%s\n@@inpod-log-exit %d\n", stdout.String(), stderr.String(), rc)
	return 0
}
