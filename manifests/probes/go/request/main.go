// Command inpod-request is inpod's Go-client probe: one API request made with
// client-go's in-cluster configuration (the mounted token and CA), answered as one
// JSON line. The guide's own main.go (one directory up) covers "list pods"; this
// covers the other verbs and resources its RBAC rules are about.
//
//	inpod-request sleep                    keep the container running
//	inpod-request METHOD PATH [BODY-JSON]  e.g. GET /api/v1/namespaces/x/pods
//	                                       (PATH may carry a query: ?watch=1&timeoutSeconds=1)
//	inpod-request loop PATH SECONDS        GET PATH every SECONDS with one long-lived
//	                                       client, one JSON line each (with the mounted
//	                                       token's iat, to see the kubelet rotate it)
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

type outcome struct {
	Code    int    `json:"code,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	Body    string `json:"body,omitempty"`
	Error   string `json:"error,omitempty"`
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "sleep" {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
		<-sig
		return
	}
	if len(os.Args) == 4 && os.Args[1] == "loop" {
		loop(os.Args[2], os.Args[3])
		return
	}
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: inpod-request sleep | METHOD PATH [BODY-JSON]")
		os.Exit(2)
	}
	out := do(strings.ToUpper(os.Args[1]), os.Args[2], strings.Join(os.Args[3:], " "))
	_ = json.NewEncoder(os.Stdout).Encode(out)
}

func do(method, path, body string) outcome {
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
// the token file behind InClusterConfig, so a rotated token is picked up.
func loop(path, every string) {
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
	cfg.Timeout = 10 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loop:", err)
		os.Exit(1)
	}
	enc := json.NewEncoder(os.Stdout)
	for {
		var code int
		err := cs.Discovery().RESTClient().Get().AbsPath(path).Do(context.Background()).StatusCode(&code).Error()
		line := map[string]any{"time": time.Now().Unix(), "code": code, "iat": tokenIssuedAt()}
		if err != nil && code == 0 {
			line["error"] = err.Error()
		}
		_ = enc.Encode(line)
		time.Sleep(interval)
	}
}

// tokenIssuedAt is the iat claim of the mounted token, read afresh.
func tokenIssuedAt() int64 {
	raw, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/token")
	if err != nil {
		return 0
	}
	parts := strings.Split(string(raw), ".")
	if len(parts) != 3 {
		return 0
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return 0
	}
	var c struct {
		IssuedAt int64 `json:"iat"`
	}
	_ = json.Unmarshal(payload, &c)
	return c.IssuedAt
}

func clip(s string) string {
	if len(s) > 1<<20 {
		return s[:1<<20]
	}
	return s
}
