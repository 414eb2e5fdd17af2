// Package intent reads an intent file: for each ServiceAccount, the API requests
// it must be allowed and the ones it must be refused. `inpodctl verify` and
// `make verify` prove each from inside pods running as that ServiceAccount.
package intent

import (
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/inpod/inpod/framework/rbac"
	"github.com/inpod/inpod/manifests"
)

// APIVersion and Kind head every intent file.
const (
	APIVersion = "inpod.io/v1alpha1"
	Kind       = "AccessIntent"
)

// Where a request goes besides the account's own namespace.
const (
	// ClusterWide: no namespace (cluster-scoped resources, or a list across all namespaces).
	ClusterWide = "cluster-wide"
)

// Verbs an intent may name: the ones every client makes as one request. Writes
// are sent with dryRun=All, so an allowed one changes nothing: create and
// update with a minimal object of the kind, patch with an empty merge patch,
// delete and deletecollection with no body. A watch is sent as a watch request
// the server ends after a second (rbac.WatchQuery): its 200 is observed, then
// the stream closes. Where kubectl cannot send the one request alone
// (deletecollection: kubectl delete --all deletes one by one), it sends it
// with --raw.
var Verbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}

// AuthorizerVerbs are verbs no request of their own shows: the authorizer
// checks them while serving another request (bind and escalate while a Role or
// binding is written, impersonate for an Impersonate-* header, approve and sign
// for a CertificateSigningRequest's signer, use for what a policy lets a pod
// use). An intent may name them; a SubjectAccessReview answers them, and the
// clients' cells say "authorizer only".
var AuthorizerVerbs = []string{"bind", "escalate", "impersonate", "use", "approve", "sign"}

// AuthorizerOnly says whether only the authorizer answers q (AuthorizerVerbs).
func AuthorizerOnly(q rbac.Request) bool { return slices.Contains(AuthorizerVerbs, q.Verb) }

// named: the verbs that act on one object, by name.
var named = []string{"get", "update", "patch", "delete"}

// File is a parsed intent file.
type File struct {
	Path     string
	Accounts []Account
}

// Account is one ServiceAccount and what it must and must not be able to do.
type Account struct {
	Namespace, Name string
	Allow, Deny     []Entry
	Line            int
}

// Entry is one declared request and the line that declares it. Its Namespace is
// as written: "" for the account's own namespace, ClusterWide, or another
// namespace's name; For gives the request an account of a namespace sends.
type Entry struct {
	rbac.Request
	Line int
}

// For is the request as an account of ns sends it: Namespace resolved ("" for
// cluster-wide), no version, body or dryRun yet (the Resolver adds those).
func (e Entry) For(ns string) rbac.Request {
	q := e.Request
	switch q.Namespace {
	case "":
		q.Namespace = ns
	case ClusterWide:
		q.Namespace = ""
	}
	return q
}

// Load reads and validates path. Every error is one line naming the file, the
// line and the field.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("intent: %w", err)
	}
	return Parse(path, data)
}

// Parse validates data as read from path.
func Parse(path string, data []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %s", path, strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n", " "))
	}
	p := parser{path: path}
	if len(doc.Content) == 0 {
		return nil, p.errf(&doc, "", "the file is empty")
	}
	f, err := p.file(doc.Content[0])
	if err != nil {
		return nil, err
	}
	f.Path = path
	return f, nil
}

type parser struct{ path string }

func (p parser) errf(n *yaml.Node, field, format string, args ...any) error {
	where := fmt.Sprintf("%s:%d", p.path, n.Line)
	if field != "" {
		where += ": " + field
	}
	return fmt.Errorf("%s: %s", where, fmt.Sprintf(format, args...))
}

// fields checks that n is a mapping with only the allowed keys and returns its
// values by key.
func (p parser) fields(n *yaml.Node, at string, allowed ...string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, at, "want a mapping")
	}
	m := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(allowed, k.Value) {
			return nil, p.errf(k, join(at, k.Value), "unknown field (want one of %s)", strings.Join(allowed, ", "))
		}
		if _, dup := m[k.Value]; dup {
			return nil, p.errf(k, join(at, k.Value), "given twice")
		}
		m[k.Value] = v
	}
	return m, nil
}

func join(at, field string) string {
	if at == "" {
		return field
	}
	return at + "." + field
}

func (p parser) str(m map[string]*yaml.Node, parent *yaml.Node, at, key string, required bool) (string, error) {
	v, ok := m[key]
	if !ok {
		if required {
			return "", p.errf(parent, join(at, key), "required")
		}
		return "", nil
	}
	if v.Kind != yaml.ScalarNode || v.Tag != "!!str" {
		return "", p.errf(v, join(at, key), "want a string")
	}
	if required && v.Value == "" {
		return "", p.errf(v, join(at, key), "must not be empty")
	}
	return v.Value, nil
}

func (p parser) file(n *yaml.Node) (*File, error) {
	m, err := p.fields(n, "", "apiVersion", "kind", "accounts")
	if err != nil {
		return nil, err
	}
	v, err := p.str(m, n, "", "apiVersion", true)
	if err != nil {
		return nil, err
	}
	if v != APIVersion {
		return nil, p.errf(m["apiVersion"], "apiVersion", "%q is not supported (want %s)", v, APIVersion)
	}
	k, err := p.str(m, n, "", "kind", true)
	if err != nil {
		return nil, err
	}
	if k != Kind {
		return nil, p.errf(m["kind"], "kind", "%q (want %s)", k, Kind)
	}
	list, ok := m["accounts"]
	if !ok || list.Kind != yaml.SequenceNode || len(list.Content) == 0 {
		at := n
		if ok {
			at = list
		}
		return nil, p.errf(at, "accounts", "want a list of at least one account")
	}
	f := &File{}
	seen := map[string]bool{}
	for i, an := range list.Content {
		a, err := p.account(an, fmt.Sprintf("accounts[%d]", i))
		if err != nil {
			return nil, err
		}
		id := a.Namespace + "/" + a.Name
		if seen[id] {
			return nil, p.errf(an, fmt.Sprintf("accounts[%d].serviceAccount", i), "%s is listed twice", id)
		}
		seen[id] = true
		f.Accounts = append(f.Accounts, a)
	}
	return f, nil
}

func (p parser) account(n *yaml.Node, at string) (Account, error) {
	m, err := p.fields(n, at, "serviceAccount", "allow", "deny")
	if err != nil {
		return Account{}, err
	}
	id, err := p.str(m, n, at, "serviceAccount", true)
	if err != nil {
		return Account{}, err
	}
	ns, name, ok := strings.Cut(id, "/")
	if !ok || ns == "" || name == "" || strings.Contains(name, "/") {
		return Account{}, p.errf(m["serviceAccount"], join(at, "serviceAccount"), "%q: want namespace/name", id)
	}
	a := Account{Namespace: ns, Name: name, Line: n.Line}
	for _, side := range []struct {
		key string
		to  *[]Entry
	}{{"allow", &a.Allow}, {"deny", &a.Deny}} {
		list, ok := m[side.key]
		if !ok {
			continue
		}
		if list.Kind != yaml.SequenceNode {
			return Account{}, p.errf(list, join(at, side.key), "want a list of requests")
		}
		for i, rn := range list.Content {
			q, err := p.request(rn, fmt.Sprintf("%s.%s[%d]", at, side.key, i))
			if err != nil {
				return Account{}, err
			}
			*side.to = append(*side.to, q)
		}
	}
	if len(a.Allow)+len(a.Deny) == 0 {
		return Account{}, p.errf(n, at, "names no request to allow or deny")
	}
	return a, nil
}

func (p parser) request(n *yaml.Node, at string) (Entry, error) {
	m, err := p.fields(n, at, "verb", "group", "resource", "subresource", "name", "namespace")
	if err != nil {
		return Entry{}, err
	}
	q := Entry{Line: n.Line}
	for _, f := range []struct {
		key      string
		to       *string
		required bool
	}{{"verb", &q.Verb, true}, {"group", &q.Group, false}, {"resource", &q.Resource, true},
		{"subresource", &q.Subresource, false}, {"name", &q.Name, false}, {"namespace", &q.Namespace, false}} {
		if *f.to, err = p.str(m, n, at, f.key, f.required); err != nil {
			return Entry{}, err
		}
	}
	if !slices.Contains(Verbs, q.Verb) && !slices.Contains(AuthorizerVerbs, q.Verb) {
		return Entry{}, p.errf(m["verb"], join(at, "verb"), "%q is not a verb (want one of %s; or, answered by a SubjectAccessReview only, %s)", q.Verb, strings.Join(Verbs, ", "), strings.Join(AuthorizerVerbs, ", "))
	}
	if strings.ContainsAny(q.Resource, "/.") || strings.ToLower(q.Resource) != q.Resource {
		return Entry{}, p.errf(m["resource"], join(at, "resource"), "%q: want the lower-case plural (pods), group and subresource in their own fields", q.Resource)
	}
	// A create of a subresource (pods/exec, serviceaccounts/token) is sent to
	// the object it names.
	subCreate := q.Verb == "create" && q.Subresource != ""
	if q.Name != "" && !slices.Contains(named, q.Verb) && !slices.Contains(AuthorizerVerbs, q.Verb) && !subCreate {
		return Entry{}, p.errf(m["name"], join(at, "name"), "a %s request names no object", q.Verb)
	}
	if q.Name == "" && (slices.Contains(named, q.Verb) || subCreate) {
		return Entry{}, p.errf(n, join(at, "name"), "required for %s", strings.TrimSpace(q.Verb+" "+map[bool]string{true: "of a subresource"}[subCreate]))
	}
	// Whether the resource is cluster-scoped (a cluster-wide create, update,
	// delete) is the API server's to say: the Resolver asks discovery.
	return q, nil
}

// GuidePath is the guide's expectations as an intent file, in the repository.
const GuidePath = "manifests/guide/intent.yaml"

// Guide reads the guide's intent file from the manifests built into the binary.
func Guide() (*File, error) {
	data, err := fs.ReadFile(manifests.FS, strings.TrimPrefix(GuidePath, "manifests/"))
	if err != nil {
		return nil, fmt.Errorf("intent: %w", err)
	}
	return Parse(GuidePath, data)
}
