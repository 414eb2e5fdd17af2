package access

import (
	"fmt"
	"strings"

	"github.com/inpod/inpod/framework/rbac"

	"github.com/onsi/gomega/types"

	"github.com/inpod/inpod/framework/netdiag"
)

// ForbiddenMessage is the message the RBAC authorizer puts in a 403 for user
// doing verb on resource (plural, with /subresource) in group.
func ForbiddenMessage(user, verb, resource, group string) string {
	return fmt.Sprintf("User %q cannot %s resource %q in API group %q", user, verb, resource, group)
}

// outcomeMatcher judges an Outcome and, when it fails, says first what actually
// happened: allowed, refused with which status, or no HTTP answer at all.
type outcomeMatcher struct {
	want string
	ok   func(Outcome) bool
}

func (m outcomeMatcher) Match(actual any) (bool, error) {
	o, isOutcome := actual.(Outcome)
	if !isOutcome {
		return false, fmt.Errorf("expected an access.Outcome, got %T", actual)
	}
	return m.ok(o), nil
}

func (m outcomeMatcher) FailureMessage(actual any) string {
	o := actual.(Outcome)
	return fmt.Sprintf("%s: expected %s, but %s\nraw output:\n%s", o.Method, m.want, Happened(o), o.Raw)
}

func (m outcomeMatcher) NegatedFailureMessage(actual any) string {
	o := actual.(Outcome)
	return fmt.Sprintf("%s: expected anything but %s, and %s", o.Method, m.want, Happened(o))
}

// Happened is a one-line account of an outcome, for failure messages and reports.
// Only 401 and 403 are refusals; 429 and 5xx are the API server's own trouble
// and say nothing about authorization, so they are named as what they are.
func Happened(o Outcome) string {
	detail := func(msg string) string {
		if o.Reason != "" {
			msg += " " + o.Reason
		}
		if o.Message != "" {
			msg += ": " + o.Message
		}
		return msg
	}
	switch {
	case o.ConnError != "":
		return "there was no HTTP answer (" + netdiag.Explain(o.ConnError) + ")"
	case o.Unobserved != "":
		return "the status was not observed (" + o.Unobserved + ")"
	case o.Allowed() && o.Observed != "":
		return fmt.Sprintf("the request was allowed (HTTP %d; %s)", o.Code, o.Observed) + unverifiedNote(o)
	case o.Allowed() && o.Request.Kubelet != "":
		return fmt.Sprintf("the kubelet at %s allowed the request (HTTP %d)", o.Request.Kubelet, o.Code) + unverifiedNote(o)
	case o.Allowed():
		return fmt.Sprintf("the request was allowed (HTTP %d)", o.Code)
	case (o.Code == 401 || o.Code == 403) && o.Request.Kubelet != "":
		return detail(fmt.Sprintf("the kubelet at %s answered HTTP %d", o.Request.Kubelet, o.Code)) + unverifiedNote(o)
	case o.Code == 401 || o.Code == 403:
		return detail(fmt.Sprintf("the API answered HTTP %d", o.Code))
	case o.Code == 429:
		return detail("the API server throttled the request (HTTP 429 Too Many Requests, API priority and fairness or a rate limit), so whether it is authorized is unknown:")
	case o.Code >= 500:
		return detail(fmt.Sprintf("the API server failed with HTTP %d (a server error, not an authorization answer):", o.Code))
	case o.Code >= 200 && o.Code < 300:
		return detail(fmt.Sprintf("the request was authorized but answered HTTP %d, not the %d a successful %s answers with", o.Code, o.Request.SuccessCode(), o.Request.Verb))
	default:
		// Past authentication and authorization: RBAC let it through.
		return detail(fmt.Sprintf("the request was authorized and the API answered HTTP %d", o.Code))
	}
}

// unverifiedNote says that the server's certificate was not verified, and why.
func unverifiedNote(o Outcome) string {
	if o.Unverified == "" {
		return ""
	}
	return "; its certificate was not verified (" + o.Unverified + ")"
}

// BeAllowed matches the verb's success status and nothing else: 201 for
// create, 200 for the other verbs.
func BeAllowed() types.GomegaMatcher {
	return allowedMatcher{}
}

// allowedMatcher: absent also accepts a 404 for the named object after
// authorization; evidence asks the success status to come with a body that
// shows it (Evidence).
type allowedMatcher struct{ absent, evidence bool }

func (m allowedMatcher) Match(actual any) (bool, error) {
	o, ok := actual.(Outcome)
	if !ok {
		return false, fmt.Errorf("expected an access.Outcome, got %T", actual)
	}
	if o.Allowed() {
		return !m.evidence || Evidence(o) == "", nil
	}
	return m.absent && (o.AuthorizedAbsent() || o.AuthorizedInvalid()), nil
}

func (m allowedMatcher) FailureMessage(actual any) string {
	o := actual.(Outcome)
	if o.Allowed() && m.evidence {
		return fmt.Sprintf("%s: expected %s, and the status was %d, but what came back is no evidence of it: %s\nraw output:\n%s", o.Method, m.want(o.Request), o.Code, Evidence(o), o.Raw)
	}
	return outcomeMatcher{want: m.want(o.Request)}.FailureMessage(actual)
}

func (m allowedMatcher) NegatedFailureMessage(actual any) string {
	o := actual.(Outcome)
	return outcomeMatcher{want: m.want(o.Request)}.NegatedFailureMessage(actual)
}

func (m allowedMatcher) want(q rbac.Request) string {
	w := fmt.Sprintf("the request to be allowed (HTTP %d, what a successful %s answers", q.SuccessCode(), q.Verb)
	if m.absent && q.Name != "" {
		w += fmt.Sprintf(", or 404 NotFound for %q after authorization", q.Name)
	}
	if m.absent && (q.Verb == "create" || q.Verb == "update") {
		w += ", or 422 Invalid for inpod's minimal object after authorization"
	}
	return w + ")"
}

// BeAllowedOrAbsent is what an intent's "may" means: the verb's success status
// with a body that shows it (Evidence), or for a named object a 404 after
// authorization (Outcome.AuthorizedAbsent) — the authorizer allowed it and
// the object does not exist — or for a create or update a 422 from validation
// of inpod's minimal object (Outcome.AuthorizedInvalid).
func BeAllowedOrAbsent() types.GomegaMatcher {
	return allowedMatcher{absent: true, evidence: true}
}

// BeForbiddenFor matches HTTP 403, reason Forbidden, and a message that names the
// user, the verb, the resource (with its subresource) and its group — nothing less.
//
// A kubelet names them its own way (rbac.KubeletForbidden).
func BeForbiddenFor(user string, q rbac.Request) types.GomegaMatcher {
	want := ForbiddenMessage(user, q.Verb, q.RBACResource(), q.Group)
	if q.Kubelet != "" {
		want = rbac.KubeletForbidden(user, q)
	}
	return outcomeMatcher{
		want: "HTTP 403 Forbidden naming " + want,
		ok: func(o Outcome) bool {
			return o.ConnError == "" && o.Code == 403 && o.Reason == "Forbidden" && strings.Contains(o.Message, want)
		},
	}
}

// BeUnauthorized matches HTTP 401 Unauthorized: the token itself was refused.
func BeUnauthorized() types.GomegaMatcher {
	return outcomeMatcher{
		want: "HTTP 401 Unauthorized",
		ok:   func(o Outcome) bool { return o.ConnError == "" && o.Code == 401 && o.Reason == "Unauthorized" },
	}
}

// BeNotFound matches HTTP 404 NotFound for q's named object: RBAC let the
// request through and the object does not exist. It is what an allowed get or
// delete of an absent object answers, and nothing else is.
func BeNotFound(q rbac.Request) types.GomegaMatcher {
	want := fmt.Sprintf("%q not found", q.Name)
	return outcomeMatcher{
		want: "HTTP 404 NotFound (authorized; " + want + ")",
		ok: func(o Outcome) bool {
			return o.ConnError == "" && o.Code == 404 && o.Reason == "NotFound" && strings.Contains(o.Message, want)
		},
	}
}
