package rbac

import (
	"fmt"
	"slices"
	"strings"
)

// kubeletRoute is how a node subresource the kubelet authorizes is asked of
// the kubelet itself, on its own port: the API server serves no such route,
// and the kubelet authorizes each request by sending it a SubjectAccessReview
// (verb from the HTTP method, resource nodes, the subresource from the path).
type kubeletRoute struct {
	path string // the GET the kubelet authorizes as get nodes/<subresource>
	// shows is text the answer carries when the kubelet served the request.
	shows string
	// absent is what the kubelet answers, with 404, once it has authorized a
	// request for something that does not exist ("" when its route always
	// serves something).
	absent string
	// unsent says why no request is sent for this subresource.
	unsent string
}

// kubeletRoutes are the node subresources the kubelet authorizes. With
// fine-grained kubelet authorization (KEP-2862) /pods, /runningpods/, /healthz
// and /configz are checked as their own subresource first and as nodes/proxy
// after, so nodes/proxy is asked at a path only it covers: the logs of a
// container that does not exist, which an authorized request gets a 404 for.
var kubeletRoutes = map[string]kubeletRoute{
	"metrics":    {path: "/metrics", shows: "# TYPE "},
	"stats":      {path: "/stats/summary", shows: `"nodeName"`},
	"log":        {path: "/logs/", shows: "<a href="},
	"pods":       {path: "/pods", shows: `"PodList"`},
	"configz":    {path: "/configz", shows: `"kubeletconfig"`},
	"healthz":    {path: "/healthz", shows: "ok"},
	"proxy":      {path: "/containerLogs/kube-system/" + KubeletAbsentPod + "/inpod", absent: `pod "` + KubeletAbsentPod + `" does not exist`},
	"spec":       {unsent: "no kubelet serves /spec/ any more (cAdvisor's endpoint was removed), so no request shows it"},
	"checkpoint": {unsent: "its one request, POST /checkpoint/NS/POD/CONTAINER, checkpoints a running container: inpod does not send it"},
}

// KubeletAbsentPod is the pod nodes/proxy asks a kubelet for the logs of: no
// such pod exists.
const KubeletAbsentPod = "inpod-no-such-pod"

// KubeletAbsent says whether a kubelet's 404 to q is its answer for what does
// not exist, given only once it has authorized q (a refusal is 403 first).
func KubeletAbsent(q Request, code int, body string) bool {
	r := kubeletRoutes[q.Subresource]
	return q.Kubelet != "" && code == 404 && r.absent != "" && strings.Contains(body, r.absent)
}

// KubeletEnforced says whether the kubelet, not the API server, authorizes q:
// a subresource of nodes the kubelet serves on its own port.
func KubeletEnforced(q Request) bool {
	_, ok := kubeletRoutes[q.Subresource]
	return ok && q.Group == "" && q.Resource == "nodes"
}

// KubeletSubresources are the node subresources the kubelet authorizes, as RBAC
// names them (nodes/metrics …), sorted.
func KubeletSubresources() []string {
	var out []string
	for s := range kubeletRoutes {
		out = append(out, "nodes/"+s)
	}
	slices.Sort(out)
	return out
}

// KubeletUnsent says why a kubelet-enforced request is not sent to the kubelet
// ("" when it is): only GETs are, and only where a GET shows the subresource.
func KubeletUnsent(q Request) string {
	r := kubeletRoutes[q.Subresource]
	switch {
	case r.unsent != "":
		return r.unsent
	case q.Verb != "get":
		return fmt.Sprintf("the kubelet authorizes %s nodes/%s for %s requests, which run commands or write on the node: inpod sends the kubelet GETs only", q.Verb, q.Subresource, q.HTTPMethod())
	}
	return ""
}

// KubeletShows says whether a kubelet's answer to q carries what its route
// serves (the metrics' # TYPE lines, the stats summary's nodeName …).
func KubeletShows(q Request, body string) (want string, ok bool) {
	r := kubeletRoutes[q.Subresource]
	return r.shows, r.shows != "" && strings.Contains(body, r.shows)
}

// KubeletForbidden is what a kubelet's 403 names: the user, the verb and the
// subresource, as the kubelet words them.
func KubeletForbidden(user string, q Request) string {
	return fmt.Sprintf("user=%s, verb=%s, resource=nodes, subresource(s)=[%s]", user, q.Verb, q.Subresource)
}

// Endpoint is where q is sent: "" for the API server the pod's in-cluster
// configuration names, https://HOST:PORT for the kubelet that authorizes it.
func (q Request) Endpoint() string {
	if q.Kubelet == "" {
		return ""
	}
	return "https://" + q.Kubelet
}
