package access

import (
	"context"

	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/run"
)

// GuideCurlList is the guide's Methods 1 and 2 list request, with the pod's own
// namespace for the guide's "default".
const GuideCurlList = `curl --cacert $CACERT --header "Authorization: Bearer $TOKEN" \
  $APISERVER/api/v1/namespaces/$NAMESPACE/pods`

// Pipes after GuideCurlList.
const (
	// GuideJQ is Method 2's pipe, as the guide writes it. The guide's image
	// (curlimages/curl) has no jq: the step fails there (an erratum).
	GuideJQ = ` | jq .items[].metadata.name`
	// PodNamesSed is the corrected step, with what the guide's image has (busybox
	// sed): the API server indents JSON for curl's user agent, and each item's
	// metadata.name is the only "name" key eight spaces in.
	PodNamesSed = ` | sed -n 's/^        "name": "\(.*\)",$/\1/p'`
)

// GuideListCommand is the guide's own "list pods in my namespace" for a method,
// as the guide writes it: Method 1's curl (which "will likely fail with
// Forbidden") followed by pipe (Method 2's is GuideJQ), Method 3's app.py,
// Method 4's main.go, Method 5's `kubectl get pods`. pipe is curl's only.
func GuideListCommand(method, pipe string) []string {
	switch method {
	case "curl":
		return []string{"sh", "-c", CurlPreamble + GuideCurlList + pipe}
	case "python":
		return []string{"sh", "-c", "cd /app && python3 app.py"}
	case "go":
		return []string{"/app/guide-main"}
	case "kubectl":
		return []string{"kubectl", "get", "pods"}
	}
	panic("unknown method " + method)
}

// RunGuideList runs the method's guide program in t (curl: followed by pipe).
func RunGuideList(ctx context.Context, r *run.Run, method string, t Target, pipe string) (pods.ExecResult, error) {
	return pods.Exec(ctx, r, t.Namespace, t.Pod, GuideListCommand(method, pipe)...)
}
