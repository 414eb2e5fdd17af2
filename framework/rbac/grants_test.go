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
		check Check
		want  bool
	}{
		{Check{Verb: "get", Resource: "configmaps", Name: "my-config"}, true},
		{Check{Verb: "get", Resource: "configmaps", Name: "other"}, false},
		{Check{Verb: "list", Resource: "configmaps"}, false},
		{Check{Verb: "create", Group: "batch", Resource: "jobs"}, true},
		{Check{Verb: "create", Resource: "jobs"}, false},
		{Check{Verb: "get", Resource: "pods", Subresource: "log", Name: "p"}, true},
		{Check{Verb: "get", Resource: "pods", Name: "p"}, false},
	} {
		if got := RulesAllow(rules, c.check); got != c.want {
			t.Errorf("%s: %v, want %v", c.check, got, c.want)
		}
	}
}
