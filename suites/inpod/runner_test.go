package inpod_test

import (
	"bytes"
	"context"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/klient/decoder"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/job"
	"github.com/inpod/inpod/manifests"
)

// The in-cluster runner checks itself: least privilege is a claim like any other.
var _ = Describe("The in-cluster runner", Label("runner"), func() {
	BeforeEach(func() {
		if R.Config.Provider != config.ProviderInCluster {
			Skip("these specs check the in-cluster Job's own ServiceAccount; they run in `make job`")
		}
	})

	It("cannot read Secrets, impersonate, or bind cluster-admin", func(ctx SpecContext) {
		for _, p := range job.Forbidden {
			ok, err := job.SelfAllowed(ctx, R.Proxy.Clientset(), p)
			Expect(err).NotTo(HaveOccurred())
			Expect(ok).To(BeFalse(), "the runner may %s", p)
		}
	})

	It("is refused creating a ClusterRoleBinding to cluster-admin", func(ctx SpecContext) {
		crb := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: R.Name("escalation-attempt"), Labels: R.Labels()},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: job.Runner, Namespace: job.Namespace}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		}
		_, err := R.Proxy.Clientset().RbacV1().ClusterRoleBindings().Create(ctx, crb, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		Expect(apierrors.IsForbidden(err)).To(BeTrue(), "want 403 Forbidden, got %v", err)
	})

	It("holds exactly the permissions manifests/job declares", func(ctx SpecContext) {
		declared := declaredRunnerRules(ctx)
		live, err := R.Proxy.Clientset().RbacV1().ClusterRoles().Get(ctx, job.Runner, metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		Expect(live.Rules).To(Equal(declared), "the runner's ClusterRole differs from manifests/job/rbac.yaml")
		for _, p := range job.Required {
			ok, err := job.SelfAllowed(ctx, R.Proxy.Clientset(), p)
			Expect(err).NotTo(HaveOccurred())
			Expect(ok).To(BeTrue(), "the runner may not %s", p)
		}
	})
})

func declaredRunnerRules(ctx context.Context) []rbacv1.PolicyRule {
	data, err := manifests.FS.ReadFile("job/rbac.yaml")
	Expect(err).NotTo(HaveOccurred())
	objs, err := decoder.DecodeAll(ctx, bytes.NewReader(data))
	Expect(err).NotTo(HaveOccurred())
	for _, o := range objs {
		if cr, ok := o.(*rbacv1.ClusterRole); ok && cr.Name == job.Runner {
			return cr.Rules
		}
	}
	Fail("manifests/job/rbac.yaml has no ClusterRole " + job.Runner)
	return nil
}
