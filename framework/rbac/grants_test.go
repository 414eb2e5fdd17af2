package rbac

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

func TestGrantsOf(t *testing.T) {
	rule := func(verbs, groups, resources []string, names ...string) rbacv1.PolicyRule {
		return rbacv1.PolicyRule{Verbs: verbs, APIGroups: groups, Resources: resources, ResourceNames: names}
	}
	s := func(v ...string) []string { return v }
	sa := func(ns, name string) rbacv1.Subject {
		return rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Namespace: ns, Name: name}
	}
	group := func(name string) rbacv1.Subject { return rbacv1.Subject{Kind: rbacv1.GroupKind, Name: name} }
	user := func(name string) rbacv1.Subject { return rbacv1.Subject{Kind: rbacv1.UserKind, Name: name} }
	rb := func(ns string, subject rbacv1.Subject, rules ...rbacv1.PolicyRule) Binding {
		return Binding{Namespace: ns, Name: "b", Subjects: []rbacv1.Subject{subject}, RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "r"}, Rules: rules}
	}
	crb := func(subject rbacv1.Subject, rules ...rbacv1.PolicyRule) Binding {
		return Binding{Name: "b", Subjects: []rbacv1.Subject{subject}, RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "r"}, Rules: rules}
	}
	listPods := Request{Verb: "list", Resource: "pods", Namespace: "shop"}
	getLog := Request{Verb: "get", Resource: "pods", Subresource: "log", Namespace: "shop", Name: "p"}
	readPods := rule(s("get", "list", "watch"), s(""), s("pods"))
	for name, c := range map[string]struct {
		b         Binding
		q         Request
		by, named bool
	}{
		"the ServiceAccount":                         {rb("shop", sa("shop", "app"), readPods), listPods, true, false},
		"another ServiceAccount":                     {rb("shop", sa("shop", "other"), readPods), listPods, false, false},
		"a ServiceAccount subject of another ns":     {rb("shop", sa("other", "app"), readPods), listPods, false, false},
		"a RoleBinding's subject without namespace":  {rb("shop", sa("", "app"), readPods), listPods, true, false},
		"a RoleBinding of another namespace":         {rb("other", sa("shop", "app"), readPods), listPods, false, false},
		"a RoleBinding, cluster-scoped request":      {rb("shop", sa("shop", "app"), rule(s("list"), s(""), s("namespaces"))), Request{Verb: "list", Resource: "namespaces"}, false, false},
		"the account's user name":                    {crb(user("system:serviceaccount:shop:app"), readPods), listPods, true, false},
		"group system:serviceaccounts":               {crb(group("system:serviceaccounts"), readPods), listPods, true, false},
		"group system:serviceaccounts:<ns>":          {rb("shop", group("system:serviceaccounts:shop"), readPods), listPods, true, false},
		"group system:serviceaccounts:<other ns>":    {rb("shop", group("system:serviceaccounts:other"), readPods), listPods, false, false},
		"group system:authenticated":                 {crb(group("system:authenticated"), readPods), listPods, true, false},
		"group system:unauthenticated":               {crb(group("system:unauthenticated"), readPods), listPods, false, false},
		"*/log grants pods/log":                      {crb(sa("shop", "app"), rule(s("get"), s(""), s("*/log"))), getLog, true, false},
		"pods does not grant pods/log":               {crb(sa("shop", "app"), readPods), getLog, false, false},
		"pods/* is not a wildcard to the authorizer": {crb(sa("shop", "app"), rule(s("get"), s(""), s("pods/*"))), getLog, false, false},
		"* resources and verbs":                      {crb(sa("shop", "app"), rule(s("*"), s(""), s("*"))), getLog, true, false},
		"another group":                              {crb(sa("shop", "app"), rule(s("list"), s("apps"), s("pods"))), listPods, false, false},
		"resourceNames allow a named get": {crb(sa("shop", "app"), rule(s("get"), s(""), s("configmaps"), "my-config")),
			Request{Verb: "get", Resource: "configmaps", Namespace: "shop", Name: "my-config"}, true, false},
		"resourceNames, another name": {crb(sa("shop", "app"), rule(s("get"), s(""), s("configmaps"), "my-config")),
			Request{Verb: "get", Resource: "configmaps", Namespace: "shop", Name: "x"}, false, false},
		"a Role in a namespace grants get of that namespace object": {rb("shop", sa("shop", "app"), rule(s("get"), s(""), s("namespaces"))),
			Request{Verb: "get", Resource: "namespaces", Name: "shop"}, true, false},
		"a Role in a namespace does not grant get of another namespace object": {rb("shop", sa("shop", "app"), rule(s("get"), s(""), s("namespaces"))),
			Request{Verb: "get", Resource: "namespaces", Name: "other"}, false, false},
		"resourceNames cannot restrict list": {crb(sa("shop", "app"), rule(s("list"), s(""), s("configmaps"), "my-config")),
			Request{Verb: "list", Resource: "configmaps", Namespace: "shop"}, false, true},
	} {
		g := GrantsOf([]Binding{c.b}, "shop", "app", c.q)
		if (len(g.By) > 0) != c.by || (len(g.OnlyNamed) > 0) != c.named {
			t.Errorf("%s: %s: by %v, only named %v; want by=%v named=%v", name, c.q, g.By, g.OnlyNamed, c.by, c.named)
		}
	}
}

func TestBindingNames(t *testing.T) {
	rb := Binding{Namespace: "shop", Name: "legacy", RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"}}
	crb := Binding{Name: "all", RoleRef: rbacv1.RoleRef{Kind: "ClusterRole", Name: "view"}}
	if rb.String() != "RoleBinding shop/legacy → ClusterRole view" || crb.String() != "ClusterRoleBinding all → ClusterRole view" {
		t.Errorf("%s; %s", rb, crb)
	}
}

// The access review asks what the API server authorizes: a namespace object in
// its own namespace, everything else where its path says.
func TestAttributesNamespace(t *testing.T) {
	for q, want := range map[Request]string{
		{Verb: "get", Resource: "namespaces", Name: "shop"}:                      "shop",
		{Verb: "list", Resource: "namespaces"}:                                   "",
		{Verb: "get", Resource: "nodes", Name: "n1"}:                             "",
		{Verb: "get", Resource: "pods", Namespace: "shop", Name: "p"}:            "shop",
		{Verb: "get", Group: "example.io", Resource: "namespaces", Name: "shop"}: "",
	} {
		if got := q.Attributes().Namespace; got != want {
			t.Errorf("%s: review namespace %q, want %q", q, got, want)
		}
	}
}
