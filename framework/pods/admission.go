package pods

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/inpod/inpod/framework/lines"
	"github.com/inpod/inpod/framework/run"
)

// Refused is a request the cluster's own admission turned away — a policy,
// webhook, Pod Security or quota — rather than RBAC: the cluster's
// configuration, not a result of the guide's RBAC.
type Refused struct {
	What    string // "create pod ns/name", "exec into pod ns/name"
	By      string // which admission plugin or policy, from the Status
	Message string // the Status message, first line
	Hint    string // what an administrator (or the run's configuration) changes
}

// Once is the refusal without the namespace and object it met, so that the same
// policy refusing the run in many namespaces is named once.
func (e *Refused) Once() string {
	what := e.What
	if i := strings.Index(what, " pod"); i >= 0 {
		what = what[:i] + " pods"
	}
	msg := e.Message
	for _, sep := range []string{" is forbidden: ", " denied request: ", " denied the request: "} {
		if _, after, ok := strings.Cut(msg, sep); ok {
			msg = after // the policy is named in By already
		}
	}
	return fmt.Sprintf("the cluster's admission refuses to %s: %s: %s. %s; this is the cluster's configuration, not the guide's RBAC",
		what, e.By, msg, e.Hint)
}

func (e *Refused) Error() string {
	return fmt.Sprintf("the cluster's admission refused to %s: %s (%s). %s; this is the cluster's configuration, not the guide's RBAC",
		e.What, e.By, e.Message, e.Hint)
}

var admissionBy = []struct {
	re   *regexp.Regexp
	name func([]string) string
	hint string // what an administrator changes
}{
	{regexp.MustCompile(`ValidatingAdmissionPolicy '([^']+)'(?: with binding '([^']+)')?`), func(m []string) string {
		if m[2] != "" {
			return fmt.Sprintf("ValidatingAdmissionPolicy %s (binding %s)", m[1], m[2])
		}
		return "ValidatingAdmissionPolicy " + m[1]
	}, "An administrator leaves inpod's namespaces out of the binding (spec.matchResources.namespaceSelector, label app.kubernetes.io/managed-by=inpod) or allows what the policy requires"},
	{regexp.MustCompile(`admission webhook "([^"]+)" denied the request`), func(m []string) string { return "admission webhook " + m[1] },
		"An administrator exempts inpod's namespaces in the webhook's namespaceSelector, or in the policy it enforces"},
	{regexp.MustCompile(`violates PodSecurity "([^"]+)"`), func(m []string) string { return "Pod Security admission (" + m[1] + ")" },
		"An administrator labels inpod's namespaces pod-security.kubernetes.io/enforce=restricted (inpod's pods meet it) or exempts them in the AdmissionConfiguration"},
	{regexp.MustCompile(`exceeded quota: (\S+?),`), func(m []string) string { return "ResourceQuota " + m[1] },
		"An administrator raises the quota, or the run asks for less (INPOD_PROBE_RESOURCES)"},
	{regexp.MustCompile(`(?i)must specify (limits|requests)`), func(m []string) string { return "a policy requiring resource " + m[1] },
		"The run declares them (INPOD_PROBE_RESOURCES, docs/configuration.md), or an administrator exempts inpod's namespaces"},
}

// Admission returns err as a *Refused when the Status says admission refused
// what; any other error (RBAC's own 403 included) comes back unchanged.
func Admission(what string, err error) error {
	if err == nil {
		return nil
	}
	var msg string
	var st apierrors.APIStatus
	switch {
	case errors.As(err, &st):
		msg = st.Status().Message
	case strings.Contains(err.Error(), " is forbidden: "):
		// an exec's refused upgrade carries the Status only as text:
		// "unable to upgrade connection: pods "p" is forbidden: …"
		msg = err.Error()
	default:
		return err
	}
	if strings.Contains(msg, "cannot ") && strings.Contains(msg, "User \"") && !strings.Contains(msg, "denied") {
		return err // RBAC: User "…" cannot <verb> resource …
	}
	for _, a := range admissionBy {
		if m := a.re.FindStringSubmatch(msg); m != nil {
			return &Refused{What: what, By: a.name(m), Message: lines.Clip(lines.First(msg), 400), Hint: a.hint}
		}
	}
	return err
}

// AdmissionCheck asks, before any spec relies on them, whether the cluster's
// admission lets the run create its probe pods and exec into them in ns: a
// server-side dry run of a probe pod (admission runs, nothing is created) and
// an exec into a pod that does not exist (admission of the CONNECT comes
// before the pod's lookup: admitted, the answer is 404). It returns each
// refusal, nil where admitted; other errors (RBAC, 404) are not its business.
func AdmissionCheck(ctx context.Context, r *run.Run, ns, image string) (pod, exec *Refused) {
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	p := ProbePod(r, RunProbeInput{Namespace: ns, Name: "inpod-admission-check", Image: image})
	_, err := r.Proxy.Clientset().CoreV1().Pods(ns).Create(cctx, p, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if !errors.As(Admission("create pod "+ns+"/"+p.Name, err), &pod) {
		pod = nil
	}
	err = r.Proxy.Clientset().CoreV1().RESTClient().Post().Namespace(ns).Resource("pods").Name(p.Name).SubResource("exec").
		Param("command", "true").Param("stdout", "true").Do(cctx).Error()
	if !errors.As(Admission("exec into pods in "+ns, err), &exec) {
		exec = nil
	}
	return pod, exec
}
