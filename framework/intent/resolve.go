package intent

import (
	"encoding/json"
	"fmt"
	"sync"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	"github.com/inpod/inpod/framework/rbac"
)

// Resolver turns intended requests into requests the clients send: the group's
// preferred version from discovery, writes with dryRun=All (an allowed write
// changes nothing, and an intent's requests do not depend on one another), and
// for create a minimal object of the resource's kind named ObjectName.
type Resolver struct {
	Discovery  discovery.DiscoveryInterface
	ObjectName string

	once  sync.Once
	found map[string]schema.GroupVersionKind // group/resource →
	err   error
}

// Request is e as an account of namespace ns sends it.
func (r *Resolver) Request(ns string, e Entry) (rbac.Request, error) {
	q := e.For(ns)
	out := q
	out.DryRun = q.Verb != "get" && q.Verb != "list"
	gvk, err := r.lookup(q.Group, q.Resource)
	if err != nil {
		return out, err
	}
	out.Version = gvk.Version
	if q.Verb == "create" {
		b, err := json.Marshal(map[string]any{"apiVersion": gvk.GroupVersion().String(), "kind": gvk.Kind,
			"metadata": map[string]string{"name": r.ObjectName}})
		if err != nil {
			return out, err
		}
		out.Body = string(b)
	}
	return out, nil
}

// Describe is e as RBAC asks it for an account of ns, with no discovery.
func Describe(ns string, e Entry) string { return e.For(ns).String() }

func (r *Resolver) lookup(group, resource string) (schema.GroupVersionKind, error) {
	r.once.Do(func() {
		r.found = map[string]schema.GroupVersionKind{}
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
				r.found[gv.Group+"/"+res.Name] = gv.WithKind(res.Kind)
			}
		}
	})
	if r.err != nil {
		return schema.GroupVersionKind{}, r.err
	}
	gvk, ok := r.found[group+"/"+resource]
	if !ok {
		return gvk, fmt.Errorf("the API server serves no resource %q in group %q", resource, group)
	}
	return gvk, nil
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
