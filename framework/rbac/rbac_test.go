package rbac

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

func TestWildcards(t *testing.T) {
	bad := []rbacv1.PolicyRule{{APIGroups: []string{"*"}, Resources: []string{"*"}, Verbs: []string{"*"}}}
	if got := Wildcards(bad); len(got) != 3 {
		t.Errorf("too broad: %v", got)
	}
	good := []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, ResourceNames: []string{"my-config"}, Verbs: []string{"get"}}}
	if got := Wildcards(good); len(got) != 0 {
		t.Errorf("specific rule flagged: %v", got)
	}
	onlyVerbs := []rbacv1.PolicyRule{{APIGroups: []string{"apps"}, Resources: []string{"deployments"}, Verbs: []string{"*"}}}
	if got := Wildcards(onlyVerbs); len(got) != 1 {
		t.Errorf("verb wildcard: %v", got)
	}
}
