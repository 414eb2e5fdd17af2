package access

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/types"

	"github.com/inpod/inpod/framework/netcheck"
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
func Happened(o Outcome) string {
	switch {
	case o.ConnError != "":
		return "there was no HTTP answer (" + netcheck.Explain(o.ConnError) + ")"
	case o.Allowed():
		return fmt.Sprintf("the request was allowed (HTTP %d)", o.Code)
	default:
		msg := fmt.Sprintf("the API answered HTTP %d", o.Code)
		if o.Code != 401 && o.Code != 403 {
			// Past authentication and authorization: RBAC let it through.
			msg = "the request was authorized and " + msg
		}
		if o.Reason != "" {
			msg += " " + o.Reason
		}
		if o.Message != "" {
			msg += ": " + o.Message
		}
		return msg
	}
}

// BeAllowed matches a 2xx answer.
func BeAllowed() types.GomegaMatcher {
	return outcomeMatcher{want: "the request to be allowed (HTTP 2xx)", ok: Outcome.Allowed}
}

// BeForbiddenFor matches HTTP 403, reason Forbidden, and a message that names the
// user, the verb, the resource (with its subresource) and its group — nothing less.
func BeForbiddenFor(user string, q Request) types.GomegaMatcher {
	want := ForbiddenMessage(user, q.Verb, q.RBACResource(), q.Group)
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
