package pods

import (
	"errors"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Admission names the policy or plugin of an admission refusal and leaves
// RBAC's own 403 and other errors alone.
func TestAdmission(t *testing.T) {
	pods := schema.GroupResource{Resource: "pods"}
	for _, c := range []struct {
		msg, by string
	}{
		{`ValidatingAdmissionPolicy 'require-limits' with binding 'require-limits-all' denied request: every container must set limits`, "ValidatingAdmissionPolicy require-limits (binding require-limits-all)"},
		{`admission webhook "validate.kyverno.svc" denied the request: policy require-requests-limits`, "admission webhook validate.kyverno.svc"},
		{`pods "p" is forbidden: violates PodSecurity "restricted:latest": privileged`, `Pod Security admission (restricted:latest)`},
		{`pods "p" is forbidden: exceeded quota: compute, requested: limits.cpu=1`, "ResourceQuota compute"},
	} {
		err := Admission("create pod n/p", apierrors.NewForbidden(pods, "p", errors.New(c.msg)))
		var r *Refused
		if !errors.As(err, &r) {
			t.Errorf("%q: not a refusal: %v", c.msg, err)
			continue
		}
		if r.By != c.by || !strings.Contains(r.Error(), "create pod n/p") || strings.Contains(r.Error(), "\n") {
			t.Errorf("%q: by %q, error %q", c.msg, r.By, r.Error())
		}
	}
	rbacErr := apierrors.NewForbidden(pods, "p", errors.New(`User "system:serviceaccount:n:x" cannot create resource "pods" in API group "" in the namespace "n"`))
	if err := Admission("create pod n/p", rbacErr); err != rbacErr {
		t.Errorf("RBAC's 403 became %v", err)
	}
	other := errors.New("connection refused")
	if err := Admission("create pod n/p", other); err != other {
		t.Errorf("a plain error became %v", err)
	}
}

// The same policy refusing many namespaces reads the same once.
func TestRefusedOnce(t *testing.T) {
	a := &Refused{What: "exec into pods in ns-a", By: "ValidatingAdmissionPolicy refuse-exec", Message: `pods "inpod-admission-check" is forbidden: ValidatingAdmissionPolicy 'refuse-exec' denied request: no exec`}
	b := &Refused{What: "exec into pods in ns-b", By: a.By, Message: a.Message}
	c := &Refused{What: "create pod ns-a/p", By: "ResourceQuota q", Message: `pods "p" is forbidden: exceeded quota: q`}
	if a.Once() != b.Once() || strings.Contains(a.Once(), "ns-a") || strings.Contains(a.Once(), "inpod-admission-check") {
		t.Errorf("not the same once: %q vs %q", a.Once(), b.Once())
	}
	if !strings.Contains(c.Once(), "refuses to create pods: ResourceQuota q: exceeded quota: q") {
		t.Errorf("create: %q", c.Once())
	}
}

// An exec's refused upgrade is an error with the Status only in its text: it is
// a refusal too, named the same way.
func TestAdmissionOfARefusedUpgrade(t *testing.T) {
	err := Admission("exec into pod n/p", errors.New(`unable to upgrade connection: pods "p" is forbidden: ValidatingAdmissionPolicy 'refuse-exec' with binding 'refuse-exec' denied request: exec into pods is not allowed on this cluster`))
	var r *Refused
	if !errors.As(err, &r) || r.By != "ValidatingAdmissionPolicy refuse-exec (binding refuse-exec)" {
		t.Fatalf("not named: %v", err)
	}
	if once := r.Once(); !strings.Contains(once, ": exec into pods is not allowed on this cluster. ") || strings.Contains(once, "unable to upgrade") {
		t.Errorf("Once() = %q", once)
	}
	if err := Admission("exec", errors.New("dial tcp: connection refused")); errors.As(err, &r) {
		t.Errorf("a connection error became a refusal: %v", err)
	}
}
