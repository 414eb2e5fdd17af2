// Package access makes API requests from inside probe pods, one Method per way the
// guide reaches the API (curl, the Python client, the Go client, kubectl), and
// judges their outcomes precisely: allowed, 403 Forbidden naming the identity, verb
// and resource, 401 Unauthorized, or no HTTP answer at all.
package access

import (
	"fmt"

	"github.com/inpod/inpod/framework/rbac"
)

// Request is one API request, stated as RBAC sees it.
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
}

// Path is the request's URL path on the API server.
func (q Request) Path() string {
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
	if q.DryRun {
		p += "?dryRun=All"
	}
	return p
}

// WatchQuery makes a watch request end: the API server closes the stream after
// one second with the status it began with (200), so the probe can report it.
const WatchQuery = "watch=1&timeoutSeconds=1"

// URL is the path with the query the verb needs (a watch's).
func (q Request) URL() string {
	if q.Verb == "watch" {
		return q.Path() + "?" + WatchQuery
	}
	return q.Path()
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
	case "delete":
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

// Check is the request as an RBAC question (kubectl auth can-i).
func (q Request) Check() rbac.Check {
	return rbac.Check{Verb: q.Verb, Group: q.Group, Resource: q.Resource, Subresource: q.Subresource, Namespace: q.Namespace, Name: q.Name}
}

func (q Request) String() string { return q.Check().String() }

// Outcome is what a method got back.
type Outcome struct {
	Method    string
	Request   Request
	Code      int    // HTTP status; 0 when there was no HTTP answer
	Reason    string // Status reason, e.g. Forbidden
	Message   string // Status message
	Body      string // response body or program output
	ConnError string // DNS failure, refused connection, TLS error, timeout
	Raw       string // the probe's raw output, for failure messages
}

// Allowed reports the verb's success status (Request.SuccessCode) and nothing
// else: not another 2xx, not a 404 that RBAC let through.
func (o Outcome) Allowed() bool { return o.ConnError == "" && o.Code == o.Request.SuccessCode() }

func (o Outcome) String() string {
	if o.ConnError != "" {
		return fmt.Sprintf("%s: %s → no HTTP answer: %s", o.Method, o.Request, o.ConnError)
	}
	s := fmt.Sprintf("%s: %s → HTTP %d", o.Method, o.Request, o.Code)
	if o.Reason != "" {
		s += " " + o.Reason
	}
	if o.Message != "" {
		s += ": " + o.Message
	}
	return s
}
