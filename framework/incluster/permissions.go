package incluster

import (
	"context"
	"fmt"

	"k8s.io/client-go/kubernetes"

	"github.com/inpod/inpod/framework/rbac"
)

// Namespace, runner and object names of manifests/job.
const (
	Namespace = "inpod-system"
	Runner    = "inpod-runner"
	JobName   = "inpod"
	// ResultsName is the ConfigMap in Namespace that holds a run's verdict.
	ResultsName = "inpod-results"
)

// RunnerUser is the runner's user name in the API server's answers.
var RunnerUser = rbac.ServiceAccountUser(Namespace, Runner)

// Required and Forbidden are what the runner must (and must not) be allowed to do.

// Workspace stands for "each of the runner's workspaces" in Required.
const Workspace = "<workspace>"

// Required is what the suites need, permission by permission: cluster-wide only
// reviews and by-name reads of manifests/job's cluster-scoped RBAC objects;
// writes, exec and TokenRequest only in the workspaces (Namespace Workspace).
// RequiredChecks expands it; `make job` checks each before the Job starts.
var Required = func() []rbac.Request {
	var ps []rbac.Request
	add := func(ns, group, resource, sub string, verbs ...string) {
		for _, v := range verbs {
			ps = append(ps, rbac.Request{Verb: v, Group: group, Resource: resource, Subresource: sub, Namespace: ns})
		}
	}
	const rbacGroup = "rbac.authorization.k8s.io"
	add("", "authentication.k8s.io", "tokenreviews", "", "create")
	add("", "authorization.k8s.io", "subjectaccessreviews", "", "create")
	for _, cr := range []string{Runner, WorkspaceRole, ReadsRole} {
		ps = append(ps, rbac.Request{Verb: "get", Group: rbacGroup, Resource: "clusterroles", Name: cr})
	}
	add(Workspace, "", "pods", "", "create", "delete", "deletecollection", "get", "list", "watch")
	add(Workspace, "", "pods", "exec", "create", "get")
	add(Workspace, "", "pods", "log", "get")
	add(Workspace, "", "serviceaccounts", "", "create", "deletecollection", "get", "list")
	add(Workspace, "", "serviceaccounts", "token", "create")
	add(Workspace, "", "configmaps", "", "create", "deletecollection", "get")
	add(Workspace, "", "events", "", "list")
	add(Workspace, rbacGroup, "roles", "", "create", "deletecollection", "get", "list")
	add(Workspace, rbacGroup, "rolebindings", "", "create", "deletecollection", "get", "list")
	ps = append(ps,
		rbac.Request{Verb: "get", Resource: "services", Namespace: "default", Name: "kubernetes"},
		rbac.Request{Verb: "create", Resource: "configmaps", Namespace: Namespace},
		rbac.Request{Verb: "update", Resource: "configmaps", Namespace: Namespace, Name: ResultsName},
		rbac.Request{Verb: "list", Resource: "configmaps", Namespace: Namespace},   // the history
		rbac.Request{Verb: "delete", Resource: "configmaps", Namespace: Namespace}, // its pruning
		rbac.Request{Verb: "create", Resource: "events", Namespace: Namespace},     // AccessDrift
	)
	return ps
}()

// RequiredChecks is Required with each workspace permission asked in every
// workspace.
func RequiredChecks() []rbac.Request {
	var out []rbac.Request
	for _, p := range Required {
		if p.Namespace != Workspace {
			out = append(out, p)
			continue
		}
		for _, ns := range WorkspaceNamespaces() {
			q := p
			q.Namespace = ns
			out = append(out, q)
		}
	}
	return out
}

// Forbidden are things the runner must never be able to do: write, exec or
// request tokens outside its workspaces, escalate or bind anywhere, read
// Secrets, impersonate.
var Forbidden = func() []rbac.Request {
	const rbacGroup = "rbac.authorization.k8s.io"
	ps := []rbac.Request{
		{Verb: "list", Resource: "secrets"},
		{Verb: "impersonate", Resource: "serviceaccounts"},
		{Verb: "create", Resource: "namespaces"},
		{Verb: "create", Group: rbacGroup, Resource: "clusterroles"},
		{Verb: "create", Group: rbacGroup, Resource: "clusterrolebindings"},
		{Verb: "bind", Group: rbacGroup, Resource: "clusterroles", Name: "cluster-admin"},
		{Verb: "escalate", Group: rbacGroup, Resource: "clusterroles"},
	}
	for _, ns := range append([]string{"kube-system", "default"}, WorkspaceNamespaces()[0]) {
		ps = append(ps,
			rbac.Request{Verb: "escalate", Group: rbacGroup, Resource: "roles", Namespace: ns},
			rbac.Request{Verb: "bind", Group: rbacGroup, Resource: "roles", Namespace: ns},
			rbac.Request{Verb: "bind", Group: rbacGroup, Resource: "clusterroles", Namespace: ns},
		)
	}
	for _, ns := range []string{"kube-system", "default"} {
		ps = append(ps,
			rbac.Request{Verb: "get", Resource: "secrets", Namespace: ns},
			rbac.Request{Verb: "create", Resource: "pods", Namespace: ns},
			rbac.Request{Verb: "create", Resource: "pods", Subresource: "exec", Namespace: ns},
			rbac.Request{Verb: "create", Resource: "serviceaccounts", Subresource: "token", Namespace: ns},
			rbac.Request{Verb: "create", Group: rbacGroup, Resource: "roles", Namespace: ns},
			rbac.Request{Verb: "create", Group: rbacGroup, Resource: "rolebindings", Namespace: ns},
			rbac.Request{Verb: "create", Group: "apps", Resource: "deployments", Namespace: ns},
		)
	}
	return ps
}()

// Missing lists, one line each, the permissions in want that user lacks.
func Missing(ctx context.Context, cs kubernetes.Interface, user string, want []rbac.Request) ([]string, error) {
	return mismatches(ctx, cs, user, want, true, "%s may not %s")
}

// Excess lists, one line each, the permissions in deny that user holds.
func Excess(ctx context.Context, cs kubernetes.Interface, user string, deny []rbac.Request) ([]string, error) {
	return mismatches(ctx, cs, user, deny, false, "%s may %s")
}

func mismatches(ctx context.Context, cs kubernetes.Interface, user string, ps []rbac.Request, want bool, format string) ([]string, error) {
	var lines []string
	for _, p := range ps {
		ok, err := rbac.CanUser(ctx, cs, user, p)
		if err != nil {
			return nil, err
		}
		if ok != want {
			lines = append(lines, fmt.Sprintf(format, user, p))
		}
	}
	return lines, nil
}
