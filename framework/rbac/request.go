package rbac

import (
	"net/url"

	authzv1 "k8s.io/api/authorization/v1"
)

// Request is one API request as RBAC sees it — the attributes an authorizer
// weighs (ResourceAttributes), and what a client needs to send it: the version,
// a body, dryRun. access sends it from inside pods, the reviews here ask about
// it, intent files declare it, and the Job's permission model lists it.
type Request struct {
	Verb        string // get, list, watch, create, update, patch, delete
	Group       string // "" for the core group
	Version     string // default v1
	Resource    string // plural, e.g. pods
	Subresource string // e.g. log
	Namespace   string // "" for cluster-scoped resources
	Name        string
	Body        string // JSON for create, update and patch
	// DryRun sends a write with dryRun=All: authorized and admitted, never stored.
	DryRun bool
	// Kubelet is HOST:PORT of the kubelet a kubelet-enforced request is sent
	// to (KubeletEnforced): the kubelet of node Name, not the API server.
	Kubelet string
}

// Path is the request's URL path on the API server.
func (q Request) Path() string {
	if q.Kubelet != "" {
		return kubeletRoutes[q.Subresource].path
	}
	v := q.Version
	if v == "" {
		v = "v1"
	}
	p := "/api/" + v
	if q.Group != "" {
		p = "/apis/" + q.Group + "/" + v
	}
	if q.Namespace != "" {
		p += "/namespaces/" + q.Namespace
	}
	p += "/" + q.Resource
	if q.Name != "" {
		p += "/" + q.Name
	}
	if q.Subresource != "" {
		p += "/" + q.Subresource
	}
	return p
}

// WatchQuery makes a watch request end: the API server closes the stream after
// one second with the status it began with (200), so the probe can report it.
const WatchQuery = "timeoutSeconds=1&watch=1"

// Query is what the request adds to its path: dryRun=All for a dry-run write,
// the watch parameters for a watch. A client may add more (kubectl adds
// fieldManager, limit); these are the ones that make it this request.
func (q Request) Query() url.Values {
	v := url.Values{}
	if q.DryRun {
		v.Set("dryRun", "All")
	}
	if q.Verb == "watch" {
		v.Set("watch", "1")
		v.Set("timeoutSeconds", "1")
	}
	return v
}

// URL is the path with its query; for a request sent to a kubelet, with the
// kubelet's scheme and address before it (Endpoint).
func (q Request) URL() string {
	if v := q.Query(); len(v) > 0 {
		return q.Endpoint() + q.Path() + "?" + v.Encode()
	}
	return q.Endpoint() + q.Path()
}

// SentAs reports whether a request a client logged (its HTTP method and URL,
// scheme and host optional) is q: the same method and path, and every parameter
// of q's query with its value (clients may add their own). A DELETE may carry
// dryRun in its DeleteOptions body instead, as kubectl delete --dry-run=server
// does, which the URL does not show: for a DELETE dryRun is not asked of it.
func (q Request) SentAs(method, rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || method != q.HTTPMethod() || u.Path != q.Path() {
		return false
	}
	got := u.Query()
	for k, want := range q.Query() {
		if k == "dryRun" && method == "DELETE" {
			continue
		}
		if got.Get(k) != want[0] {
			return false
		}
	}
	return true
}

// SuccessCode is the one status the verb answers with when it succeeds: 201 for
// create, 200 for get, list, watch, update, patch and delete (a delete answers 202
// only when it is accepted but not yet carried out, which is not what the
// guide's requests do).
func (q Request) SuccessCode() int {
	if q.Verb == "create" {
		return 201
	}
	return 200
}

// HTTPMethod maps the RBAC verb to its HTTP method.
func (q Request) HTTPMethod() string {
	switch q.Verb {
	case "create":
		return "POST"
	case "update":
		return "PUT"
	case "patch":
		return "PATCH"
	case "delete", "deletecollection":
		return "DELETE"
	default:
		return "GET"
	}
}

// RBACResource is the resource as RBAC names it, e.g. pods/log.
func (q Request) RBACResource() string {
	if q.Subresource != "" {
		return q.Resource + "/" + q.Subresource
	}
	return q.Resource
}

// String reads like the question: "get pods/log.group NAME (in NS)".
func (q Request) String() string {
	s := q.Verb + " " + q.Resource
	if q.Subresource != "" {
		s += "/" + q.Subresource
	}
	if q.Group != "" {
		s += "." + q.Group
	}
	if q.Name != "" {
		s += " " + q.Name
	}
	if q.Namespace != "" {
		return s + " (in " + q.Namespace + ")"
	}
	if q.Kubelet != "" {
		return s + " (at the kubelet " + q.Kubelet + ")"
	}
	return s + " (cluster-wide)"
}

// AuthzNamespace is the namespace the API server authorizes q in, which is not
// always the one its path is under: a namespace object (GET
// /api/v1/namespaces/NAME and its subresources) is authorized in namespace
// NAME, so a Role in NAME may grant it.
func (q Request) AuthzNamespace() string {
	if q.Namespace == "" && q.Group == "" && q.Resource == "namespaces" && q.Name != "" {
		return q.Name
	}
	return q.Namespace
}

// Attributes is the question as an access review asks it, with the attributes
// the API server derives for the request (AuthzNamespace).
func (q Request) Attributes() *authzv1.ResourceAttributes {
	return &authzv1.ResourceAttributes{Namespace: q.AuthzNamespace(), Verb: q.Verb, Group: q.Group, Resource: q.Resource,
		Subresource: q.Subresource, Name: q.Name}
}
