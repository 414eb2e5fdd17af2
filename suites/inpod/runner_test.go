package inpod_test

import (
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gcustom"
	"github.com/onsi/gomega/types"
	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/fixture"
	"github.com/inpod/inpod/framework/incluster"
	"github.com/inpod/inpod/framework/rbac"
)

// The in-cluster runner checks itself: "confined to its namespaces" is a claim like any other.
var _ = Describe("The in-cluster runner", Label("runner"), func() {
	fw := newFramework()
	BeforeEach(func() {
		if fw.Config.Provider != config.ProviderInCluster || !fw.Provided() {
			Skip("these specs check the in-cluster Job's own ServiceAccount and namespaces; they run in `make job`")
		}
	})
	dry := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}

	for _, ns := range []string{"kube-system", "default"} {
		It("is refused in "+ns+" with 403 Forbidden naming itself: create a pod, exec into a pod, request a ServiceAccount token, create a Role, create a RoleBinding", Label(faults.GuardRunnerConfined), func(ctx SpecContext) {
			cs := fw.Proxy.Clientset()
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "inpod-runner-attempt"},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: fw.Image("curl")}}}}
			_, err := cs.CoreV1().Pods(ns).Create(ctx, pod, dry)
			Expect(err).To(beRefused("create", "pods", "", ns))

			// Authorization precedes the pod's lookup: the answer is the same for
			// any pod name, and a 404 would mean the runner got past it.
			err = cs.CoreV1().RESTClient().Post().Namespace(ns).Resource("pods").Name("inpod-any-pod").SubResource("exec").
				Param("command", "true").Param("stdout", "true").Do(ctx).Error()
			Expect(err).To(beRefused("create", "pods/exec", "", ns))

			_, err = cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, "default", &authnv1.TokenRequest{}, dry)
			Expect(err).To(beRefused("create", "serviceaccounts/token", "", ns))

			role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "namespace-reader"},
				Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get"}}}}
			_, err = cs.RbacV1().Roles(ns).Create(ctx, role, dry)
			Expect(err).To(beRefused("create", "roles", rbacv1.GroupName, ns))

			_, err = cs.RbacV1().RoleBindings(ns).Create(ctx, bindRunner("admin"), dry)
			Expect(err).To(beRefused("create", "rolebindings", rbacv1.GroupName, ns))
		})
	}

	It("may not escalate or bind even in its own namespaces: a RoleBinding to ClusterRole admin and a Role reading Secrets are refused", Label(faults.GuardRunnerConfined), func(ctx SpecContext) {
		ns := incluster.WorkspaceNamespaces()[0]
		cs := fw.Proxy.Clientset()
		_, err := cs.RbacV1().RoleBindings(ns).Create(ctx, bindRunner("admin"), dry)
		Expect(err).To(beEscalationRefused("bind ClusterRole admin in " + ns))
		role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "inpod-secret-reader"},
			Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"secrets"}, Verbs: []string{"get"}}}}
		_, err = cs.RbacV1().Roles(ns).Create(ctx, role, dry)
		Expect(err).To(beEscalationRefused("create a Role reading Secrets in " + ns))
	})

	It("is refused creating a ClusterRoleBinding to cluster-admin", Label(faults.GuardRunnerConfined), func(ctx SpecContext) {
		crb := &rbacv1.ClusterRoleBinding{
			ObjectMeta: metav1.ObjectMeta{Name: fw.Name("escalation-attempt"), Labels: fw.Labels()},
			Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: incluster.Runner, Namespace: incluster.Namespace}},
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "cluster-admin"},
		}
		_, err := fw.Proxy.Clientset().RbacV1().ClusterRoleBindings().Create(ctx, crb, dry)
		Expect(err).To(beRefused("create", "clusterrolebindings", rbacv1.GroupName, ""))
	})

	It("cannot read Secrets, impersonate, escalate, bind, or write outside its namespaces (access reviews)", Label(faults.GuardRunnerConfined), func(ctx SpecContext) {
		for _, p := range incluster.Forbidden {
			ok, err := rbac.CanI(ctx, fw.Proxy.Clientset(), p)
			Expect(err).NotTo(HaveOccurred())
			Expect(ok).To(BeFalse(), "the runner may %s", p)
		}
	})

	It("lists in kube-system (kubectl auth can-i --list) only reviews, by-name reads of manifests/job's RBAC, and what every ServiceAccount holds", Label(faults.GuardRunnerConfined), func(ctx SpecContext) {
		cs := fw.Proxy.Clientset()
		rules, err := rbac.Rules(ctx, cs, "kube-system")
		Expect(err).NotTo(HaveOccurred())
		reviews := []string{"tokenreviews", "subjectaccessreviews", "selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"}
		var lines, unexpected []string
		for _, r := range rules {
			line := fmt.Sprintf("%v %v %v %v", r.APIGroups, r.Resources, r.ResourceNames, r.Verbs)
			lines = append(lines, line)
			review := allIn(r.Resources, reviews) && allIn(r.Verbs, []string{"create"})
			namedRead := allIn(r.Resources, []string{"clusterroles", "clusterrolebindings"}) && allIn(r.Verbs, []string{"get"}) && len(r.ResourceNames) > 0
			if !review && !namedRead && !heldByAnyServiceAccount(ctx, fw, r) {
				unexpected = append(unexpected, line)
			}
		}
		AddReportEntry("can-i --list -n kube-system", strings.Join(lines, "\n"))
		Expect(unexpected).To(BeEmpty(), "the runner's rules in kube-system include more than reviews, by-name reads and what any ServiceAccount holds")
		Expect(lines).To(ContainElements(ContainSubstring("[tokenreviews]"), ContainSubstring("[subjectaccessreviews]")))
	})

	// What the runner can see of itself: its ClusterRoles by name, its
	// RoleBindings in the workspaces, and review answers. It cannot list every
	// binding in the cluster, so a binding added elsewhere is found by the
	// forbidden list above and the kube-system rules spec, not here.
	It("holds the ClusterRoles manifests/job declares, rule for rule, bound in each workspace namespace, and every permission preflight requires", func(ctx SpecContext) {
		objs, err := incluster.Manifests()
		Expect(err).NotTo(HaveOccurred())
		cs := fw.Proxy.Clientset()
		for _, name := range []string{incluster.Runner, incluster.WorkspaceRole, incluster.ReadsRole} {
			i := slices.IndexFunc(objs, func(o k8s.Object) bool { cr, ok := o.(*rbacv1.ClusterRole); return ok && cr.Name == name })
			Expect(i).NotTo(Equal(-1), "manifests/job has no ClusterRole %s", name)
			live, err := cs.RbacV1().ClusterRoles().Get(ctx, name, metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(live.Rules).To(Equal(objs[i].(*rbacv1.ClusterRole).Rules), "ClusterRole %s differs from manifests/job", name)
		}
		for _, ns := range incluster.WorkspaceNamespaces() {
			rb, err := cs.RbacV1().RoleBindings(ns).Get(ctx, incluster.Runner, metav1.GetOptions{})
			Expect(err).NotTo(HaveOccurred())
			Expect(rb.RoleRef.Name).To(Equal(incluster.WorkspaceRole), "in %s", ns)
		}
		for _, p := range incluster.RequiredChecks() {
			ok, err := rbac.CanI(ctx, cs, p)
			Expect(err).NotTo(HaveOccurred())
			Expect(ok).To(BeTrue(), "the runner may not %s", p)
		}
	})

	It("works only in namespaces enforcing Pod Security restricted: a privileged pod is refused in each", func(ctx SpecContext) {
		for _, ns := range incluster.WorkspaceNamespaces() {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "inpod-privileged-attempt"},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: fw.Image("curl"),
					SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)}}}}}
			_, err := fw.Proxy.Clientset().CoreV1().Pods(ns).Create(ctx, pod, dry)
			Expect(apierrors.IsForbidden(err)).To(BeTrue(), "in %s: want 403 Forbidden, got %v", ns, err)
			Expect(err.Error()).To(ContainSubstring(`violates PodSecurity "restricted:`), "in %s", ns)
		}
	})
})

func bindRunner(clusterRole string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "inpod-runner-attempt"},
		Subjects:   []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: incluster.Runner, Namespace: incluster.Namespace}},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: clusterRole},
	}
}

// beRefused matches the API server's 403 for the runner: reason Forbidden and
// the message naming the runner, the verb, the resource, its group and the
// namespace (or the cluster scope).
func beRefused(verb, resource, group, ns string) types.GomegaMatcher {
	want := fmt.Sprintf("User %q cannot %s resource %q in API group %q", incluster.RunnerUser, verb, resource, group)
	where := "at the cluster scope"
	if ns != "" {
		where = "in " + ns
		want += fmt.Sprintf(" in the namespace %q", ns)
	} else {
		want += " at the cluster scope"
	}
	return gcustom.MakeMatcher(func(err error) (bool, error) {
		return apierrors.IsForbidden(err) && apierrors.ReasonForError(err) == metav1.StatusReasonForbidden && strings.Contains(err.Error(), want), nil
	}).WithTemplate(fmt.Sprintf("{{if .Actual}}the runner got {{.Actual}}{{else}}the runner was allowed to %s %s %s{{end}}; want 403 Forbidden: %s", verb, resource, where, want))
}

// beEscalationRefused matches RBAC's escalation check: 403 naming the runner
// as attempting to grant what it does not hold.
func beEscalationRefused(what string) types.GomegaMatcher {
	return gcustom.MakeMatcher(func(err error) (bool, error) {
		return apierrors.IsForbidden(err) && strings.Contains(err.Error(), fmt.Sprintf("user %q", incluster.RunnerUser)) &&
			strings.Contains(err.Error(), "is attempting to grant RBAC permissions not currently held"), nil
	}).WithTemplate("{{if .Actual}}the runner got {{.Actual}}{{else}}the runner was allowed to " + what + "{{end}}; want RBAC's 403: attempting to grant RBAC permissions not currently held")
}

// heldByAnyServiceAccount asks whether a ServiceAccount bound to nothing (one
// that does not exist, in the runner's namespace) holds every verb of rule r in
// kube-system too: then the cluster grants it to all, not to the runner.
func heldByAnyServiceAccount(ctx SpecContext, fw *fixture.Framework, r authzv1.ResourceRule) bool {
	for _, g := range r.APIGroups {
		for _, res := range r.Resources {
			resource, sub, _ := strings.Cut(res, "/")
			for _, v := range r.Verbs {
				ok, err := rbac.CanIAs(ctx, fw.Proxy.Clientset(), incluster.Namespace, "inpod-nobody",
					rbac.Request{Verb: v, Group: g, Resource: resource, Subresource: sub, Namespace: "kube-system"})
				if err != nil || !ok {
					return false
				}
			}
		}
	}
	return true
}

func allIn(have, allowed []string) bool {
	for _, h := range have {
		if !slices.Contains(allowed, h) {
			return false
		}
	}
	return true
}
