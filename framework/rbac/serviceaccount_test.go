package rbac

import (
	"slices"
	"testing"
)

func TestServiceAccountUser(t *testing.T) {
	u := ServiceAccountUser("ns-1", "pod-reader")
	if u != "system:serviceaccount:ns-1:pod-reader" {
		t.Fatalf("user = %q", u)
	}
	if ns, sa, ok := ParseServiceAccountUser(u); !ok || ns != "ns-1" || sa != "pod-reader" {
		t.Errorf("parse %q = %q %q %v", u, ns, sa, ok)
	}
	if _, _, ok := ParseServiceAccountUser("kubernetes-admin"); ok {
		t.Error("kubernetes-admin parsed as a ServiceAccount")
	}
	want := []string{"system:authenticated", "system:serviceaccounts", "system:serviceaccounts:ns-1"}
	if g := UserGroups(u); !slices.Equal(g, want) {
		t.Errorf("groups = %v, want %v", g, want)
	}
	if g := UserGroups("alice"); !slices.Equal(g, []string{"system:authenticated"}) {
		t.Errorf("groups of alice = %v", g)
	}
}
