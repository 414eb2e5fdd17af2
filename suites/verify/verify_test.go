package verify_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/inpod/inpod/framework/access"
	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/fixture"
	"github.com/inpod/inpod/framework/intent"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/rbac"
	"github.com/inpod/inpod/framework/report"
)

// methods are the clients INPOD_METHODS picks (comma-separated), default all four.
func methods() []access.Method {
	names := strings.Split(config.Env("INPOD_METHODS"), ",")
	if config.Env("INPOD_METHODS") == "" {
		return access.Methods
	}
	var ms []access.Method
	for _, n := range names {
		ms = append(ms, access.ByName(strings.TrimSpace(n)))
	}
	return ms
}

// cell is one intended request of an account.
type cell struct {
	allow bool
	req   intent.Entry
}

func (c cell) may() string {
	if c.allow {
		return "may"
	}
	return "may not"
}

func (c cell) want() string {
	if c.allow {
		return "allow"
	}
	return "deny"
}

func describe(a intent.Account, q intent.Entry) string { return intent.Describe(a.Namespace, q) }

// got is the cell's answer in a few words (access.Outcome.Cell).
// got is the cell's answer; a 404 for the named object after authorization is
// "allowed — no such object", with the hint that the intent may name a typo.
func got(o access.Outcome) string {
	if o.AuthorizedAbsent() && o.Request.Kubelet != "" {
		return "allowed — the kubelet's 404 for a pod inpod knows does not exist (after authorization)"
	}
	if o.AuthorizedAbsent() {
		return "allowed — no such object (404 after authorization; does the intent name it right?)"
	}
	if o.AuthorizedInvalid() {
		return "allowed — the object inpod sent is not valid (422 after authorization)"
	}
	if why := access.Evidence(o); o.Allowed() && why != "" {
		return o.Cell() + " — no evidence in the body: " + why
	}
	if o.Request.Kubelet != "" {
		return o.Cell() + " (kubelet)"
	}
	return o.Cell()
}

// cause explains a mismatch in one line: the bindings that grant the request
// (found through the API) when it was allowed or should have been, else what
// came back instead.
func cause(ctx context.Context, cs kubernetes.Interface, a intent.Account, c cell, q rbac.Request, allowed bool, answer string) string {
	grants, err := rbac.ReadGrants(ctx, cs, a.Namespace, a.Name, q)
	granted := "granted by " + grants.String()
	none := "no RoleBinding or ClusterRoleBinding covering " + a.Namespace + "/" + a.Name + " (as itself, its user name or its groups) grants it"
	if len(grants.OnlyNamed) > 0 {
		none += "; " + strings.Join(grants.OnlyNamed, ", ") + " names resources, and resourceNames cannot restrict " + q.Verb
	}
	switch {
	case err != nil:
		return "bindings not readable: " + err.Error()
	case allowed && len(grants.By) > 0:
		return granted
	case allowed:
		return none + ", yet it was allowed (another authorizer, e.g. Node or a webhook?)"
	case c.allow && strings.HasPrefix(answer, "403") && len(grants.By) == 0:
		return none
	case c.allow && strings.HasPrefix(answer, "403"):
		return granted + ", yet refused"
	case !c.allow && len(grants.By) > 0:
		return "authorized (answered " + answer + "): " + granted
	}
	return "answered " + answer
}

// record puts the cell in the report and returns its cause when it is a
// mismatch; class is what the authorizer said (report.AnswerAllow,
// report.AnswerDeny, or "" when the cell was not sent or had no answer).
func record(ctx context.Context, cs kubernetes.Interface, a intent.Account, c cell, q rbac.Request, client, answer, happened, class string, ok bool) string {
	why := ""
	if !ok {
		why = cause(ctx, cs, a, c, q, class == report.AnswerAllow, answer)
	}
	AddReportEntry(report.IntentEntry, report.IntentCell{ServiceAccount: a.Namespace + "/" + a.Name, Request: describe(a, c.req),
		Client: client, Want: c.want(), Got: answer, Answer: class, OK: ok, Cause: why, Happened: happened}, ReportEntryVisibilityNever)
	return why
}

// answerClass is a client's outcome as drift compares it: the authorizer let
// it through (the verb's success, or a 404/422 after authorization), or
// refused it (403 Forbidden naming the account and the request, as
// access.BeForbiddenFor judges it), or neither: no answer, not observed, a
// refusal by admission or another status.
func answerClass(o access.Outcome, user string, q rbac.Request) string {
	if o.Allowed() || o.AuthorizedAbsent() || o.AuthorizedInvalid() {
		return report.AnswerAllow
	}
	if forbidden, _ := access.BeForbiddenFor(user, q).Match(o); forbidden {
		return report.AnswerDeny
	}
	return ""
}

// errNotSent is a planned request no client sends (authorizer only, or one the
// kubelet is not asked): its spec says why before it reads the batch.
var errNotSent = fmt.Errorf("not sent")

var _ = Describe("Intended access", func() {
	if intentErr != nil {
		It("reads the intent file", func() { Fail(intentErr.Error()) })
		return
	}
	if intentFile == nil {
		return
	}
	for _, a := range intentFile.Accounts {
		describeAccount(a)
	}
})

func describeAccount(a intent.Account) {
	user := rbac.ServiceAccountUser(a.Namespace, a.Name)
	var cells []cell
	for _, q := range a.Allow {
		cells = append(cells, cell{allow: true, req: q})
	}
	for _, q := range a.Deny {
		cells = append(cells, cell{allow: false, req: q})
	}
	Describe(fmt.Sprintf("ServiceAccount %s/%s", a.Namespace, a.Name), Ordered, ContinueOnFailure, func() {
		fw := fixture.New(suiteRun, say)
		targets := map[string]access.Target{}
		var resolver *intent.Resolver // an intended request as the clients send it
		// Each client's probe pod makes all of the account's requests in one
		// exec (access.Batch), in BeforeAll; each spec asserts its own.
		batches := map[string]*access.Batch{}
		planned := map[string][]*access.Planned{}
		for _, m := range methods() {
			b := &access.Batch{Method: m}
			batches[m.Name()] = b
			for _, c := range cells {
				planned[m.Name()] = append(planned[m.Name()], b.Add(m.Name(), func() (rbac.Request, error) {
					q, err := resolver.Request(a.Namespace, c.req)
					if err == nil && (intent.AuthorizerOnly(q) || rbac.KubeletUnsent(q) != "" && rbac.KubeletEnforced(q)) {
						return q, errNotSent
					}
					return q, err
				}))
			}
		}
		BeforeAll(func(ctx SpecContext) {
			resolver = &intent.Resolver{Discovery: fw.Proxy.Clientset().Discovery(), ObjectName: "inpod-verify-" + fw.ID,
				Kubelets: fw.Facts.Kubelets, KubeletsErr: fw.Facts.NodesErr}
			sa, err := fw.Proxy.Clientset().CoreV1().ServiceAccounts(a.Namespace).Get(ctx, a.Name, metav1.GetOptions{})
			if err != nil {
				Fail(fmt.Sprintf("%s line %d: ServiceAccount %s/%s: %v — apply the workload's ServiceAccount and RBAC before verifying its intent", intentFile.Path, a.Line, a.Namespace, a.Name, err))
			}
			// A ServiceAccount that opts out of automount is used by workloads
			// that opt in on their pod: the probes do the same, said once.
			var optIn *bool
			if v := sa.AutomountServiceAccountToken; v != nil && !*v {
				optIn = ptr.To(true)
				AddReportEntry(report.ProbeTokenEntry, fmt.Sprintf("ServiceAccount %s/%s sets automountServiceAccountToken: false; its probe pods opt in on the pod (automountServiceAccountToken: true), as its own workloads must", a.Namespace, a.Name))
			}
			// The account's namespace is the workload's, not the run's own:
			// ask its admission about probe pods and exec here (fixture.Admitted).
			fw.Admitted(ctx, a.Namespace)
			var list []*corev1.Pod
			for _, m := range methods() {
				p := pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: a.Namespace, Name: fw.Name("verify", a.Name, m.Name()),
					ServiceAccount: a.Name, Image: fw.Image(m.Name()), Command: pods.ProbeCommand(m.Name()), AutomountToken: optIn})
				targets[m.Name()] = access.Target{Namespace: p.Namespace, Pod: p.Name}
				DeferCleanup(func(ctx SpecContext) { Expect(pods.Delete(ctx, fw.Run, p.Namespace, p.Name)).To(Succeed()) })
				list = append(list, p)
			}
			fw.CreatePods(ctx, list...)
			var wg sync.WaitGroup
			for name, b := range batches {
				wg.Add(1)
				go func() {
					defer wg.Done()
					b.Run(ctx, fw.Run, map[string]access.Target{name: targets[name]})
				}()
			}
			wg.Wait()
		})

		for i, c := range cells {
			for _, m := range methods() {
				It(fmt.Sprintf("%s %s with %s from inside a pod", c.may(), describe(a, c.req), m.Name()), Label("intent", "method:"+m.Name()), func(ctx SpecContext) {
					q, err := resolver.Request(a.Namespace, c.req)
					switch {
					case intent.AuthorizerOnly(q):
						record(ctx, fw.Proxy.Clientset(), a, c, q, m.Name(), "authorizer only (SubjectAccessReview)", "not sent", "", true)
						Skip(q.Verb + " is checked by the authorizer while it serves another request; no request of its own shows it: the SubjectAccessReview answers the row")
					case rbac.KubeletEnforced(q) && rbac.KubeletUnsent(q) != "":
						record(ctx, fw.Proxy.Clientset(), a, c, q, m.Name(), "not sent (kubelet)", rbac.KubeletUnsent(q), "", true)
						Skip("not sent to the kubelet: " + rbac.KubeletUnsent(q) + "; the SubjectAccessReview answers the row")
					case errors.As(err, new(intent.NoKubeletError)):
						record(ctx, fw.Proxy.Clientset(), a, c, q, m.Name(), "kubelet address unknown: SubjectAccessReview only", err.Error(), "", true)
						Skip(err.Error() + ": the row rests on the SubjectAccessReview")
					}
					if err != nil {
						Fail(fmt.Sprintf("%s %s: the intended request cannot be sent: %v", describe(a, c.req), m.Name(), err))
					}
					o, exec, err := planned[m.Name()][i].Result()
					if err != nil {
						Fail(fmt.Sprintf("%s %s: no answer from the probe pod: %v", describe(a, c.req), m.Name(), err))
					}
					if q.Kubelet != "" && o.ConnError != "" {
						// a NetworkPolicy or a firewall between pods and nodes:
						// the kubelet's answer cannot be had from a pod
						record(ctx, fw.Proxy.Clientset(), a, c, q, m.Name(), "kubelet not reachable from the pod: SubjectAccessReview only", access.Happened(o), "", true)
						Skip("the kubelet at " + q.Kubelet + " is not reachable from the pod (" + o.ConnError + "): the row rests on the SubjectAccessReview")
					}
					if why, ok := access.NotSentAlone(o); ok {
						// The row's verdict comes from the clients that sent it.
						record(ctx, fw.Proxy.Clientset(), a, c, q, m.Name(), "not sent alone", why, "", true)
						Skip("kubectl cannot send this request alone: " + why + "; curl, python, go and the SubjectAccessReview answer it")
					}
					matcher := access.BeForbiddenFor(user, q)
					if c.allow {
						matcher = access.BeAllowedOrAbsent()
					}
					ok, _ := matcher.Match(o)
					why := record(ctx, fw.Proxy.Clientset(), a, c, q, m.Name(), got(o), access.Happened(o), answerClass(o, user, q), ok)
					Expect(o).To(matcher, why+" ("+exec+")")
				})
			}
			It(fmt.Sprintf("%s %s in a SubjectAccessReview", c.may(), describe(a, c.req)), Label("intent", "sar"), func(ctx SpecContext) {
				q, err := resolver.Request(a.Namespace, c.req)
				if !errors.As(err, new(intent.NoKubeletError)) { // the question is whole without the kubelet's address
					if err != nil {
						Fail(fmt.Sprintf("%s: the intended request cannot be asked: %v", describe(a, c.req), err))
					}
				}
				allowed, err := rbac.CanIAs(ctx, fw.Proxy.Clientset(), a.Namespace, a.Name, q)
				if err != nil {
					Fail(fmt.Sprintf("%s: the SubjectAccessReview failed: %v", describe(a, c.req), err))
				}
				answer := map[bool]string{true: "allowed", false: "denied"}[allowed]
				class := map[bool]string{true: report.AnswerAllow, false: report.AnswerDeny}[allowed]
				why := record(ctx, fw.Proxy.Clientset(), a, c, q, "sar", answer, "", class, allowed == c.allow)
				Expect(allowed).To(Equal(c.allow), "SubjectAccessReview for %s: %s; %s", user, answer, why)
			})
		}
	})
}
