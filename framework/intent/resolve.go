package intent

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	"github.com/inpod/inpod/framework/rbac"
)

// Resolver turns intended requests into requests the clients send: the group's
// preferred version from discovery, writes with dryRun=All (an allowed write
// changes nothing, and an intent's requests do not depend on one another), for
// create and update a minimal object of the resource's kind (named ObjectName,
// or the object's name), for patch an empty merge patch. Access reviews, which
// store nothing, are sent as real reviews about nobody (reviewBodies).
//
// A request the kubelet authorizes (rbac.KubeletEnforced) goes to the kubelet
// of the node it names, or, when it names none that exists (a draft's
// inpod-draft-any), of the first node by name: Kubelets maps each node to its
// kubelet's HOST:PORT. A request of an authorizer-only verb is left as the
// entry says, for a SubjectAccessReview.
type Resolver struct {
	Discovery  discovery.DiscoveryInterface
	ObjectName string
	Kubelets   map[string]string
	// KubeletsErr is why Kubelets is empty: the nodes could not be listed.
	KubeletsErr string

	once  sync.Once
	found map[string]resource // group/resource →
	err   error
}

type resource struct {
	gvk        schema.GroupVersionKind
	namespaced bool
}

// reviewBodies are the specs of the access reviews an intent may create: a
// TokenReview of a token that is none, and reviews asking about a user that
// does not exist. The API server answers each 201 with its verdict.
var reviewBodies = map[string]map[string]any{
	"authentication.k8s.io/tokenreviews":            {"token": "inpod-not-a-token"},
	"authorization.k8s.io/subjectaccessreviews":     {"user": "inpod-nobody", "resourceAttributes": map[string]string{"verb": "get", "resource": "pods"}},
	"authorization.k8s.io/selfsubjectaccessreviews": {"resourceAttributes": map[string]string{"verb": "get", "resource": "pods"}},
	"authorization.k8s.io/selfsubjectrulesreviews":  {"namespace": "default"},
	"authentication.k8s.io/selfsubjectreviews":      {},
}

// IsReview says whether q creates an access review (reviewBodies).
func IsReview(q rbac.Request) bool {
	_, ok := reviewBodies[q.Group+"/"+q.Resource]
	return ok && q.Verb == "create"
}

// Request is e as an account of namespace ns sends it.
func (r *Resolver) Request(ns string, e Entry) (rbac.Request, error) {
	q := e.For(ns)
	switch {
	case AuthorizerOnly(q):
		return q, nil
	case rbac.KubeletEnforced(q):
		return r.kubelet(q)
	}
	out := q
	out.DryRun = q.Verb != "get" && q.Verb != "list" && q.Verb != "watch" && !IsReview(q)
	res, err := r.lookup(q.Group, q.Resource)
	if err != nil {
		return out, err
	}
	if res.namespaced && q.Namespace == "" && q.Verb != "list" && q.Verb != "watch" {
		return out, fmt.Errorf("%s is namespaced: a cluster-wide %s has no URL (cluster-wide: list or watch across namespaces)", q.Resource, q.Verb)
	}
	if !res.namespaced && e.Namespace != ClusterWide {
		return out, fmt.Errorf("%s is cluster-scoped: write namespace: cluster-wide", q.Resource)
	}
	gvk := res.gvk
	out.Version = gvk.Version
	obj := map[string]any{"apiVersion": gvk.GroupVersion().String(), "kind": gvk.Kind}
	switch {
	case IsReview(q):
		obj["spec"] = reviewBodies[q.Group+"/"+q.Resource]
	case q.Verb == "create":
		obj["metadata"] = map[string]string{"name": r.ObjectName}
	case q.Verb == "update":
		obj["metadata"] = map[string]string{"name": q.Name}
	case q.Verb == "patch":
		obj = map[string]any{}
	default:
		return out, nil
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return out, err
	}
	out.Body = string(b)
	return out, nil
}

// kubelet sends q to the kubelet of the node it names, or of the first node
// when it names none that exists (any name is granted: the draft's
// inpod-draft-any) — the kubelet's SubjectAccessReview names its own node.
// A request no GET shows (rbac.KubeletUnsent) is left unsent.
func (r *Resolver) kubelet(q rbac.Request) (rbac.Request, error) {
	if rbac.KubeletUnsent(q) != "" {
		return q, nil
	}
	if addr, ok := r.Kubelets[q.Name]; ok {
		q.Kubelet = addr
		return q, nil
	}
	if q.Name != "" && q.Name != draftAnyName {
		return q, fmt.Errorf("no node is named %q: a request the kubelet authorizes goes to that node's kubelet (name a node, or %s for any)", q.Name, draftAnyName)
	}
	nodes := slices.Sorted(maps.Keys(r.Kubelets))
	if len(nodes) == 0 {
		return q, NoKubeletError{fmt.Sprintf("no node's kubelet address is known, so %s has nowhere to go (%s)", q, map[bool]string{true: "no node lists an address", false: r.KubeletsErr}[r.KubeletsErr == ""])}
	}
	q.Name, q.Kubelet = nodes[0], r.Kubelets[nodes[0]]
	return q, nil
}

// NoKubeletError is a kubelet-enforced request with no kubelet to send it to:
// the nodes could not be listed (the Job's confined runner may not), or list
// no address. The request itself is whole: a SubjectAccessReview can ask it.
type NoKubeletError struct{ msg string }

func (e NoKubeletError) Error() string { return e.msg }

// Describe is e as RBAC asks it for an account of ns, with no discovery.
func Describe(ns string, e Entry) string { return e.For(ns).String() }

func (r *Resolver) lookup(group, name string) (resource, error) {
	r.once.Do(func() {
		r.found = map[string]resource{}
		lists, err := r.Discovery.ServerPreferredResources()
		if err != nil && len(lists) == 0 {
			r.err = fmt.Errorf("discovery: %w", err)
			return
		}
		for _, l := range lists {
			gv, err := schema.ParseGroupVersion(l.GroupVersion)
			if err != nil {
				continue
			}
			for _, res := range l.APIResources {
				r.found[gv.Group+"/"+res.Name] = resource{gv.WithKind(res.Kind), res.Namespaced}
			}
		}
	})
	if r.err != nil {
		return resource{}, r.err
	}
	res, ok := r.found[group+"/"+name]
	if !ok {
		return res, fmt.Errorf("the API server serves no resource %q in group %q", name, group)
	}
	return res, nil
}

// Rename returns a copy of f with namespaces renamed (accounts' and requests'),
// for a file whose namespaces stand for ones made at run time.
func (f *File) Rename(names map[string]string) *File {
	to := func(ns string) string {
		if n, ok := names[ns]; ok {
			return n
		}
		return ns
	}
	out := &File{Path: f.Path}
	for _, a := range f.Accounts {
		a.Namespace = to(a.Namespace)
		for _, side := range []*[]Entry{&a.Allow, &a.Deny} {
			qs := make([]Entry, len(*side))
			for i, q := range *side {
				if q.Namespace != "" && q.Namespace != ClusterWide {
					q.Namespace = to(q.Namespace)
				}
				qs[i] = q
			}
			*side = qs
		}
		out.Accounts = append(out.Accounts, a)
	}
	return out
}
