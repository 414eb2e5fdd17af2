package rbac

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

func TestRulesAllow(t *testing.T) {
	rules := []rbacv1.PolicyRule{
		{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"get"}, ResourceNames: []string{"my-config"}},
		{APIGroups: []string{"batch"}, Resources: []string{"*"}, Verbs: []string{"create"}},
		{APIGroups: []string{""}, Resources: []string{"pods/log"}, Verbs: []string{"get"}},
	}
	for _, c := range []struct {
		check Request
		want  bool
	}{
		{Request{Verb: "get", Resource: "configmaps", Name: "my-config"}, true},
		{Request{Verb: "get", Resource: "configmaps", Name: "other"}, false},
		{Request{Verb: "list", Resource: "configmaps"}, false},
		{Request{Verb: "create", Group: "batch", Resource: "jobs"}, true},
		{Request{Verb: "create", Resource: "jobs"}, false},
		{Request{Verb: "get", Resource: "pods", Subresource: "log", Name: "p"}, true},
		{Request{Verb: "get", Resource: "pods", Name: "p"}, false},
	} {
		if got := RulesAllow(rules, c.check); got != c.want {
			t.Errorf("%s: %v, want %v", c.check, got, c.want)
		}
	}
}
