package inpod_test

import (
	"fmt"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/inpod/inpod/framework/access"
	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/intent"
	"github.com/inpod/inpod/framework/rbac"
)

// guideIntent is manifests/guide/intent.yaml: the guide's expectations, from
// which each method's request specs are built.
var guideIntent = func() *intent.File {
	f, err := intent.Guide()
	if err != nil {
		panic(err) // a unit test (framework/intent) reads the same file
	}
	return f
}()

// The guide intent's namespaces (see its header) and the fixture's probe per account.
const (
	intentMain    = "default"
	intentCluster = "cluster-bound"
	intentOther   = "another-namespace"
)

var intentProbe = map[string]string{
	intentMain + "/default":            saDefault,
	intentMain + "/pod-reader":         saPodReader,
	intentCluster + "/pod-reader":      saClusterPod,
	intentMain + "/namespace-reader":   saNSReader,
	intentMain + "/deployment-manager": saDeployer,
}

// intentCell is one request of the guide intent, as one method's spec makes it.
type intentCell struct {
	account intent.Account
	allow   bool
	req     intent.Entry
}

func guideCells() []intentCell {
	var cells []intentCell
	for _, a := range guideIntent.Accounts {
		if _, ok := intentProbe[a.Namespace+"/"+a.Name]; !ok {
			panic(fmt.Sprintf("%s:%d: account %s/%s has no probe in the method fixture", guideIntent.Path, a.Line, a.Namespace, a.Name))
		}
		for _, q := range a.Allow {
			cells = append(cells, intentCell{a, true, q})
		}
		for _, q := range a.Deny {
			cells = append(cells, intentCell{a, false, q})
		}
	}
	return cells
}

func (c intentCell) id() string { return c.account.Namespace + "/" + c.account.Name }

func (c intentCell) title() string {
	who := c.account.Name
	if c.account.Namespace == intentCluster {
		who += " bound to the cluster-pod-reader ClusterRole"
	}
	what := c.req.Verb + " " + c.req.Resource
	if c.req.Subresource != "" {
		what += "/" + c.req.Subresource
	}
	if c.req.Group != "" {
		what += "." + c.req.Group
	}
	if c.req.Name != "" {
		what += " " + c.req.Name
	}
	switch c.req.Namespace {
	case "":
		what += " in its namespace"
	case intent.ClusterWide:
		what += " cluster-wide"
	default:
		what += " in another namespace"
	}
	if c.allow {
		return fmt.Sprintf("lets %s %s: HTTP %d", who, what, map[bool]int{true: 201, false: 200}[c.req.Verb == "create"])
	}
	return fmt.Sprintf("refuses %s %s: 403 Forbidden naming the ServiceAccount, verb and resource", who, what)
}

// guards are the self-test labels of a cell: the properties whose breaking
// must turn it red (framework/faults.Registry).
func (c intentCell) guards() []string {
	g := []string{faults.GuardAPIReachable}
	q := c.req
	switch c.id() {
	case intentMain + "/default":
		g = append(g, faults.GuardDefaultForbidden)
	case intentMain + "/pod-reader":
		g = append(g, faults.GuardPodReaderToken)
		if c.allow {
			g = append(g, faults.GuardPodReaderBinding)
		} else if q.Resource == "secrets" {
			g = append(g, faults.GuardPodReaderScope)
		}
	case intentCluster + "/pod-reader":
		g = append(g, faults.GuardPodReaderToken, faults.GuardClusterPodReader)
	case intentMain + "/namespace-reader":
		if c.allow && q.Group == "apps" {
			g = append(g, faults.GuardNamespaceReader)
		}
	case intentMain + "/deployment-manager":
		if c.allow && q.Group == "apps" {
			g = append(g, faults.GuardDeploymentManager)
		}
	}
	return g
}

// intentNamespaces maps the guide intent's namespaces to the fixture's.
func (f *methodFixture) intentNamespaces() map[string]string {
	return map[string]string{intentMain: f.main, intentCluster: f.cluster, intentOther: f.other}
}

// witness is what the body of an allowed read must contain: the object it
// names, the log line, or an object the fixture made where it lists.
func (f *methodFixture) witness(q rbac.Request) string {
	switch {
	case q.Subresource == "log":
		return f.logLine
	case q.Verb == "get":
		return q.Name
	case q.Verb == "list" && q.Resource == "pods" && q.Namespace == f.main:
		return f.logPod
	case q.Verb == "list" && q.Resource == "pods" && q.Namespace == f.other:
		return f.bystand
	case q.Verb == "list" && q.Resource == "namespaces":
		return f.other
	}
	return ""
}

// describeIntentCells adds, to a method's container, one spec per request of the
// guide intent; the requests go in the container's batch.
func describeIntentCells(fixtureOf func() *methodFixture, batch *access.Batch, labels func(...string) Labels) {
	for _, c := range guideCells() {
		sa := intentProbe[c.id()]
		p := batch.Add(sa, func() (rbac.Request, error) {
			f := fixtureOf()
			names := f.intentNamespaces()
			q := c.req
			if n, ok := names[q.Namespace]; ok {
				q.Namespace = n
			}
			return f.resolver.Request(names[c.account.Namespace], q)
		})
		It(c.title(), labels(c.guards()...), func() {
			f := fixtureOf()
			out := plannedOutcome(f, p)
			req := out.Request
			By(fmt.Sprintf("%s:%d: %s %s", guideIntent.Path, c.req.Line, map[bool]string{true: "allow", false: "deny"}[c.allow], req))
			if !c.allow {
				Expect(out).To(access.BeForbiddenFor(f.user(sa), req))
				return
			}
			Expect(out).To(access.BeAllowed())
			if w := f.witness(req); w != "" {
				Expect(out.Body).To(ContainSubstring(w), "the answer to %s", req)
			}
		})
	}
}
