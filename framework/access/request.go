// Package access makes API requests from inside probe pods, one Method per way the
// guide reaches the API (curl, the Python client, the Go client, kubectl), and
// judges their outcomes precisely: allowed, 403 Forbidden naming the identity, verb
// and resource, 401 Unauthorized, or no HTTP answer at all.
package access

import (
	"fmt"
	"strings"

	"github.com/inpod/inpod/framework/rbac"
)

// Outcome is what a method got back.
type Outcome struct {
	Method    string
	Request   rbac.Request
	Code      int    // HTTP status; 0 when there was no HTTP answer
	Reason    string // Status reason, e.g. Forbidden
	Message   string // Status message
	Body      string // response body or program output
	ConnError string // DNS failure, refused connection, TLS error, timeout
	// Unobserved says why the client showed no status for this request although
	// it may have had an HTTP answer (kubectl logged none for it): no code, so
	// neither allowed nor forbidden.
	Unobserved string
	// Observed is where the status was read, when a client's log shows it
	// (kubectl's -v=6 response line).
	Observed string
	// Unverified says why the server's certificate was not verified: a
	// kubelet whose serving certificate the pod's CA does not sign (kind's
	// kubelets sign their own) is asked again without verifying it.
	Unverified string
	Raw        string // the probe's raw output, for failure messages
}

// Allowed reports the verb's success status (Request.SuccessCode) and nothing
// else: not another 2xx, not a 404 that RBAC let through.
// An update may also answer 201: kinds that create on update (leases,
// ConfigMaps… with AllowCreateOnUpdate) create the object it names when absent.
func (o Outcome) Allowed() bool {
	return o.ConnError == "" && (o.Code == o.Request.SuccessCode() || (o.Request.Verb == "update" && o.Code == 201))
}

// NotSentAlone says, when kubectl did not send the request because an earlier
// one it makes first was answered otherwise (kubectl patch and logs read the
// object first), what happened instead; ok is false otherwise.
func NotSentAlone(o Outcome) (why string, ok bool) {
	if o.Method == "kubectl" && strings.HasPrefix(o.Unobserved, "kubectl did not send ") {
		return o.Unobserved, true
	}
	return "", false
}

// AuthorizedAbsent reports a 404 NotFound for the named object itself: the
// authorizer let the request through (a refusal is 403, before any lookup) and
// the object does not exist. A 404 for a route the API server does not serve
// (its message names no object) is not one.
//
// A kubelet's is its own 404 for a container it has not got (rbac.KubeletAbsent).
func (o Outcome) AuthorizedAbsent() bool {
	if o.Request.Kubelet != "" {
		return o.ConnError == "" && o.Unobserved == "" && rbac.KubeletAbsent(o.Request, o.Code, o.Body+o.Message)
	}
	return o.ConnError == "" && o.Unobserved == "" && o.Code == 404 && o.Reason == "NotFound" && o.Request.Name != "" &&
		strings.Contains(o.Message, fmt.Sprintf("%q not found", o.Request.Name))
}

// AuthorizedInvalid reports a 422 Invalid to a create or update: validation,
// which comes after authorization, refused the minimal object an intent's write
// sends (intent.Resolver) — the authorizer let it through.
func (o Outcome) AuthorizedInvalid() bool {
	return o.ConnError == "" && o.Unobserved == "" && o.Code == 422 && o.Reason == "Invalid" &&
		(o.Request.Verb == "create" || o.Request.Verb == "update")
}

// Cell is the outcome in a few words, for a matrix cell: "200", "403 Forbidden",
// "no answer" (no HTTP answer), "not observed" (the client showed no status).
func (o Outcome) Cell() string {
	switch {
	case o.ConnError != "":
		return "no answer"
	case o.Unobserved != "":
		return "not observed"
	case o.Reason != "":
		return fmt.Sprintf("%d %s", o.Code, o.Reason)
	}
	return fmt.Sprintf("%d", o.Code)
}

func (o Outcome) String() string {
	if o.ConnError != "" {
		return fmt.Sprintf("%s: %s → no HTTP answer: %s", o.Method, o.Request, o.ConnError)
	}
	if o.Unobserved != "" {
		return fmt.Sprintf("%s: %s → status not observed: %s", o.Method, o.Request, o.Unobserved)
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
