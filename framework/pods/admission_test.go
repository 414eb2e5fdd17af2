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
