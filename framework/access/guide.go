package access

import (
	"context"

	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/run"
)

// GuideListCommand is the guide's own "list pods in my namespace" for a method,
// as the guide writes it: Method 1's curl (which "will likely fail with
// Forbidden"), Method 2's curl piped to `jq .items[].metadata.name`, Method 3's
// app.py, Method 4's main.go, Method 5's `kubectl get pods`.
func GuideListCommand(method string, withJQ bool) []string {
	switch method {
	case "curl":
		list := CurlPreamble + `curl --cacert $CACERT --header "Authorization: Bearer $TOKEN" \
  $APISERVER/api/v1/namespaces/$NAMESPACE/pods`
		if withJQ {
			return []string{"sh", "-c", list + ` | jq .items[].metadata.name`}
		}
		return []string{"sh", "-c", list}
	case "python":
		return []string{"sh", "-c", "cd /app && python3 app.py"}
	case "go":
		return []string{"/app/guide-main"}
	case "kubectl":
		return []string{"kubectl", "get", "pods"}
	}
	panic("unknown method " + method)
}

// RunGuideList runs the method's guide program in t.
func RunGuideList(ctx context.Context, r *run.Run, method string, t Target, withJQ bool) (pods.ExecResult, error) {
	return pods.Exec(ctx, r, t.Namespace, t.Pod, GuideListCommand(method, withJQ)...)
}
