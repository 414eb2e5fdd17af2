package access

import (
	"fmt"
	"strings"

	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"
)

// ServiceAccountUser is how the API server names a ServiceAccount.
func ServiceAccountUser(ns, sa string) string { return "system:serviceaccount:" + ns + ":" + sa }

// BeAllowed matches a 2xx answer.
func BeAllowed() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(o Outcome) (bool, error) {
		return o.Allowed(), nil
	}).WithTemplate("Expected the request to be allowed (HTTP 2xx), got\n{{.FormattedActual}}\nraw output:\n{{.Actual.Raw}}")
}

// ForbiddenMessage is the message the RBAC authorizer puts in a 403 for user
// doing verb on resource (plural, with /subresource) in group.
func ForbiddenMessage(user, verb, resource, group string) string {
	return fmt.Sprintf("User %q cannot %s resource %q in API group %q", user, verb, resource, group)
}

// BeForbiddenFor matches HTTP 403, reason Forbidden, and a message that names the
// user, the verb, the resource and its group — nothing less.
func BeForbiddenFor(user string, q Request) types.GomegaMatcher {
	want := ForbiddenMessage(user, q.Verb, q.Resource, q.Group)
	sub := q.Subresource
	return gcustom.MakeMatcher(func(o Outcome) (bool, error) {
		if o.ConnError != "" || o.Code != 403 || o.Reason != "Forbidden" {
			return false, nil
		}
		if sub != "" {
			// The authorizer names the subresource separately: resource "pods/log".
			return strings.Contains(o.Message, fmt.Sprintf("User %q cannot %s resource %q", user, q.Verb, q.Resource+"/"+sub)), nil
		}
		return strings.Contains(o.Message, want), nil
	}).WithTemplate("Expected HTTP 403 Forbidden with a message naming {{.Data}}, got\n{{.FormattedActual}}\nraw output:\n{{.Actual.Raw}}", want)
}

// BeUnauthorized matches HTTP 401 Unauthorized: the token itself was refused.
func BeUnauthorized() types.GomegaMatcher {
	return gcustom.MakeMatcher(func(o Outcome) (bool, error) {
		return o.ConnError == "" && o.Code == 401 && o.Reason == "Unauthorized", nil
	}).WithTemplate("Expected HTTP 401 Unauthorized, got\n{{.FormattedActual}}\nraw output:\n{{.Actual.Raw}}")
}
