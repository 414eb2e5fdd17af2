package incluster

import (
	"bytes"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/inpod/inpod/framework/run"
	"github.com/inpod/inpod/manifests"
)

func TestWorkspacesYAMLIsCurrent(t *testing.T) {
	want, err := WorkspaceYAML()
	if err != nil {
		t.Fatal(err)
	}
	got, err := manifests.FS.ReadFile("job/workspaces.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("manifests/job/workspaces.yaml is stale: run `make manifests`")
	}
}

func TestWorkspacesHoldWhatNeedsAnAdministrator(t *testing.T) {
	objs, err := WorkspaceObjects()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, o := range objs {
		switch obj := o.(type) {
		case *rbacv1.Role:
			count["Role "+obj.Name]++
		case *rbacv1.ClusterRole:
			count["ClusterRole"]++
		case *rbacv1.RoleBinding:
			if obj.RoleRef.Name == WorkspaceRole && obj.Subjects[0].Name == Runner {
				count["runner binding"]++
			}
		}
	}
	methods := 0
	for _, w := range run.Workspaces {
		if w.GuideRoles {
			methods++
		}
	}
	if count["runner binding"] != len(run.Workspaces) || count["Role namespace-reader"] != methods ||
		count["Role deployment-manager"] != methods || count["ClusterRole"] != methods+1 {
		t.Errorf("workspaces.yaml holds %v for %d workspaces, %d of them a method's", count, len(run.Workspaces), methods)
	}
}

func TestNoWorkspacePermissionIsHeldOutsideWorkspaces(t *testing.T) {
	for _, p := range RequiredChecks() {
		if p.Namespace == Workspace {
			t.Errorf("unexpanded %s", p)
		}
	}
	for _, p := range Required {
		if p.Namespace == "" && p.Verb != "create" && p.Name == "" {
			t.Errorf("cluster-wide %s is neither a review nor a read by name", p)
		}
	}
}
