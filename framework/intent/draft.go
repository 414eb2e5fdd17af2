package intent

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"

	"github.com/inpod/inpod/framework/rbac"
)

// Served is one resource the API server serves, as discovery says it: what a
// wildcard in a rule expands to, and whether the resource is namespaced.
type Served struct {
	Group, Resource string // Resource may be resource/subresource
	Namespaced      bool
	Verbs           []string
}

// DraftInput is what an intent is drafted from: the account, every binding
// that may cover it (with its role's rules, aggregated ClusterRoles' included),
// and the resources served; Served nil (drafted from files alone) leaves
// wildcards unexpanded and scopes as the bindings give them.
type DraftInput struct {
	Namespace, Name string
	Bindings        []rbac.Binding
	Served          []Served
	Source          string // for the file's header: "the cluster kind-inpod", "rbac.yaml"
}

// Draft is what an account's RBAC grants, as an intent file: an allow entry for
// each verb × resource its bindings grant (the binding named beside it), and as
// deny a few sensitive requests it is not granted. What an intent cannot say
// is listed at the end of the file, with why. The file parses (Parse).
func Draft(in DraftInput) []byte {
	d := drafter{in: in, served: map[string]Served{}}
	for _, s := range in.Served {
		d.served[s.Group+"/"+s.Resource] = s
	}
	for _, b := range in.Bindings {
		if !b.Covers(in.Namespace, in.Name) {
			continue
		}
		for _, r := range b.Rules {
			d.rule(b, r)
		}
	}
	return d.render()
}

// draftAnyName names the object of a named verb whose rule names none: any name
// is granted, and this one is absent (404 after authorization).
const draftAnyName = "inpod-draft-any"

type drafter struct {
	in     DraftInput
	served map[string]Served
	allow  map[string]draftEntry
	notes  []string
}

type draftEntry struct {
	q   rbac.Request // Namespace: "" own, ClusterWide, or another
	why []string
}

func (d *drafter) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	if !slices.Contains(d.notes, n) {
		d.notes = append(d.notes, n)
	}
}

func (d *drafter) rule(b rbac.Binding, r rbacv1.PolicyRule) {
	if len(r.NonResourceURLs) > 0 {
		d.note("%s: %v on non-resource URLs %v: an intent names resources", b, r.Verbs, r.NonResourceURLs)
		return
	}
	for _, g := range r.APIGroups {
		for _, res := range r.Resources {
			for _, target := range d.expand(b, g, res) {
				for _, v := range d.verbs(r.Verbs, target) {
					d.grant(b, r, target, v)
				}
			}
		}
	}
}

// expand is group/resource as served: a wildcard group or resource ("*",
// "*/scale") is every served resource it matches; unexpanded without discovery.
func (d *drafter) expand(b rbac.Binding, group, res string) []Served {
	if group != "*" && !strings.Contains(res, "*") {
		if s, ok := d.served[group+"/"+res]; ok {
			return []Served{s}
		}
		// not served, or no discovery: scope from the well-known list
		base, _, _ := strings.Cut(res, "/")
		return []Served{{Group: group, Resource: res, Namespaced: !slices.Contains(clusterScoped, group+"/"+base)}}
	}
	if d.in.Served == nil {
		d.note("%s: group %q resource %q is a wildcard; drafted from files alone, it is not expanded (draft against a cluster to expand it)", b, group, res)
		return nil
	}
	var out []Served
	for _, s := range d.in.Served {
		if (group == "*" || group == s.Group) && wildcardMatch(res, s.Resource) {
			out = append(out, s)
		}
	}
	return out
}

// clusterScoped are the built-in cluster-scoped resources, for a draft made
// without discovery (from files alone); with it, discovery says.
var clusterScoped = []string{"/nodes", "/namespaces", "/persistentvolumes", "/componentstatuses",
	"rbac.authorization.k8s.io/clusterroles", "rbac.authorization.k8s.io/clusterrolebindings",
	"apiextensions.k8s.io/customresourcedefinitions", "apiregistration.k8s.io/apiservices",
	"storage.k8s.io/storageclasses", "storage.k8s.io/csinodes", "storage.k8s.io/csidrivers", "storage.k8s.io/volumeattachments",
	"authentication.k8s.io/tokenreviews", "authentication.k8s.io/selfsubjectreviews",
	"authorization.k8s.io/subjectaccessreviews", "authorization.k8s.io/selfsubjectaccessreviews", "authorization.k8s.io/selfsubjectrulesreviews",
	"certificates.k8s.io/certificatesigningrequests", "scheduling.k8s.io/priorityclasses", "node.k8s.io/runtimeclasses",
	"networking.k8s.io/ingressclasses", "admissionregistration.k8s.io/validatingwebhookconfigurations",
	"admissionregistration.k8s.io/mutatingwebhookconfigurations", "admissionregistration.k8s.io/validatingadmissionpolicies",
	"admissionregistration.k8s.io/validatingadmissionpolicybindings"}

func wildcardMatch(pattern, res string) bool {
	base, sub, hasSub := strings.Cut(res, "/")
	switch {
	case pattern == "*":
		return true // * matches resources and subresources alike
	case strings.HasPrefix(pattern, "*/"):
		return hasSub && sub == strings.TrimPrefix(pattern, "*/")
	case strings.HasSuffix(pattern, "/*"):
		return hasSub && base == strings.TrimSuffix(pattern, "/*")
	}
	return pattern == res
}

func (d *drafter) verbs(verbs []string, s Served) []string {
	if !slices.Contains(verbs, "*") {
		return verbs
	}
	if len(s.Verbs) > 0 {
		return s.Verbs
	}
	return Verbs
}

func (d *drafter) grant(b rbac.Binding, r rbacv1.PolicyRule, s Served, verb string) {
	rbacRes := s.Resource
	res, sub, _ := strings.Cut(s.Resource, "/")
	via := b.String()
	q := rbac.Request{Verb: verb, Group: s.Group, Resource: res, Subresource: sub}
	if !slices.Contains(Verbs, verb) && !slices.Contains(AuthorizerVerbs, verb) {
		d.note("%s: %s on %s: no request sends it and the authorizer knows no such verb: not declarable", via, verb, groupRes(s.Group, rbacRes))
		return
	}
	if _, served := d.served[s.Group+"/"+s.Resource]; d.in.Served != nil && !served && !rbac.KubeletEnforced(q) && !slices.Contains(AuthorizerVerbs, verb) {
		d.note("%s: %s %s: the API server serves no such resource (a group no longer served, or a CRD not installed), so every request for it answers 404 whatever RBAC says: not declarable", via, verb, groupRes(s.Group, rbacRes))
		return
	}
	switch {
	case b.Namespace != "":
		if b.Namespace != d.in.Namespace {
			q.Namespace = b.Namespace
		}
	case !s.Namespaced || verb == "list" || verb == "watch":
		q.Namespace = ClusterWide // a ClusterRoleBinding: everywhere
	}
	isNamed := slices.Contains(named, verb)
	if s.Group == "" && res == "namespaces" && sub == "" && b.Namespace != "" && isNamed {
		// the API server authorizes a namespace object in its own namespace:
		// a Role there grants it, by that name only
		q.Namespace, q.Name = ClusterWide, b.Namespace
		d.add(q, via)
		return
	}
	if !s.Namespaced && q.Namespace != ClusterWide {
		d.note("%s: %s %s is cluster-scoped, and a RoleBinding grants nothing cluster-scoped", via, verb, groupRes(s.Group, rbacRes))
		return
	}
	names := r.ResourceNames
	switch {
	case len(names) > 0 && !isNamed:
		d.note("%s: %s %s for resourceNames %v: resourceNames cannot restrict %s, so the rule grants no such request", via, verb, groupRes(s.Group, rbacRes), names, verb)
		return
	case len(names) == 0 && isNamed:
		names = []string{draftAnyName}
	case len(names) == 0:
		names = []string{""}
	}
	for _, n := range names {
		q.Name = n
		d.add(q, via)
	}
}

func (d *drafter) add(q rbac.Request, via string) {
	if d.allow == nil {
		d.allow = map[string]draftEntry{}
	}
	k := q.String() + "|" + q.Namespace
	e := d.allow[k]
	e.q = q
	if !slices.Contains(e.why, via) {
		e.why = append(e.why, via)
	}
	d.allow[k] = e
}

func groupRes(group, res string) string {
	if group == "" {
		return res
	}
	return res + "." + group
}

// draftDenies are sensitive requests an account is rarely meant to have; the
// draft denies those its bindings do not grant.
var draftDenies = []rbac.Request{
	{Verb: "list", Resource: "secrets"},
	{Verb: "get", Resource: "secrets", Name: draftAnyName},
	{Verb: "list", Resource: "secrets", Namespace: ClusterWide},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "rolebindings"},
	{Verb: "create", Group: "rbac.authorization.k8s.io", Resource: "clusterrolebindings", Namespace: ClusterWide},
	{Verb: "delete", Resource: "pods", Name: draftAnyName},
	{Verb: "create", Resource: "pods", Subresource: "exec", Name: draftAnyName},
	{Verb: "get", Resource: "nodes", Subresource: "proxy", Name: draftAnyName, Namespace: ClusterWide},
	{Verb: "create", Resource: "serviceaccounts", Subresource: "token", Name: draftAnyName},
	{Verb: "bind", Group: "rbac.authorization.k8s.io", Resource: "clusterroles", Namespace: ClusterWide},
	{Verb: "escalate", Group: "rbac.authorization.k8s.io", Resource: "clusterroles", Namespace: ClusterWide},
	{Verb: "impersonate", Resource: "serviceaccounts"},
}

func (d *drafter) render() []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "# Drafted by inpodctl intent draft from %s: every request the RBAC of\n", d.in.Source)
	fmt.Fprintf(&b, "# %s/%s grants (allow, with the binding that grants it) and sensitive requests\n", d.in.Namespace, d.in.Name)
	b.WriteString("# it is not granted (deny). Review it: keep what the workload is meant to do,\n")
	fmt.Fprintf(&b, "# move the rest to deny. %s names any object: absent, it answers 404 after authorization.\n", draftAnyName)
	fmt.Fprintf(&b, "apiVersion: %s\nkind: %s\naccounts:\n- serviceAccount: %s/%s\n", APIVersion, Kind, d.in.Namespace, d.in.Name)
	keys := make([]string, 0, len(d.allow))
	for k := range d.allow {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if len(keys) > 0 {
		b.WriteString("  allow:\n")
		for _, k := range keys {
			e := d.allow[k]
			fmt.Fprintf(&b, "  - %s  # %s\n", flow(e.q), strings.Join(e.why, "; "))
		}
	}
	var denies []rbac.Request
	for _, q := range draftDenies {
		if !d.granted(q) {
			denies = append(denies, q)
		}
	}
	if len(denies) > 0 {
		b.WriteString("  deny:\n")
		for _, q := range denies {
			fmt.Fprintf(&b, "  - %s\n", flow(q))
		}
	}
	if len(keys) == 0 && len(denies) == 0 {
		b.WriteString("  deny: []\n")
	}
	if len(d.notes) > 0 {
		b.WriteString("# Granted, but not declarable as a request:\n")
		for _, n := range d.notes {
			fmt.Fprintf(&b, "#   %s\n", n)
		}
	}
	return []byte(b.String())
}

// granted: some covering binding grants q (rbac.GrantsOf, as the authorizer).
func (d *drafter) granted(q rbac.Request) bool {
	q = Entry{Request: q}.For(d.in.Namespace)
	return len(rbac.GrantsOf(d.in.Bindings, d.in.Namespace, d.in.Name, q).By) > 0
}

func flow(q rbac.Request) string {
	parts := []string{"verb: " + q.Verb}
	if q.Group != "" {
		parts = append(parts, "group: "+q.Group)
	}
	parts = append(parts, "resource: "+q.Resource)
	if q.Subresource != "" {
		parts = append(parts, "subresource: "+q.Subresource)
	}
	if q.Name != "" {
		parts = append(parts, "name: "+q.Name)
	}
	if q.Namespace != "" {
		parts = append(parts, "namespace: "+q.Namespace)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// ServedResources are the resources discovery lists, in their preferred versions.
func ServedResources(d discovery.DiscoveryInterface) ([]Served, error) {
	lists, err := d.ServerPreferredResources()
	if err != nil && len(lists) == 0 {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	var out []Served
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			out = append(out, Served{Group: gv.Group, Resource: r.Name, Namespaced: r.Namespaced, Verbs: r.Verbs})
		}
	}
	return out, nil
}
