package incluster

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/framework/intent"
	"github.com/inpod/inpod/framework/rbac"
)

// With an intent file the Job runs the verify suite instead of the guide's: the
// file goes in a ConfigMap, and for this run only the runner may start probe
// pods and exec into them in the namespaces of the file's accounts.
const (
	IntentConfigMap = "inpod-intent"
	// IntentRole is bound in each of the intent's namespaces for the run.
	IntentRole = "inpod-runner-intent"
	// IntentReads lets the runner read cluster-wide RBAC for the run, to name
	// the binding behind a mismatch (rbac.Grants).
	IntentReads = "inpod-runner-intent-reads"
	intentMount = "/intent"
	verifyBin   = "/usr/local/bin/verify.test"
)

// IntentInput is an intent file for the Job.
type IntentInput struct {
	File    *intent.File
	Data    []byte // the file as written, for the ConfigMap
	Methods string // INPOD_METHODS: comma-separated clients, "" for all four
}

// Namespaces are the namespaces of the file's accounts, sorted.
func (in IntentInput) Namespaces() []string {
	var nss []string
	for _, a := range in.File.Accounts {
		if !slices.Contains(nss, a.Namespace) {
			nss = append(nss, a.Namespace)
		}
	}
	slices.Sort(nss)
	return nss
}

// Check refuses, in one line, an intent the confined runner must not verify:
// accounts in the namespaces the runner never works in (preflight proves it
// cannot), or in its own workspaces.
func (in IntentInput) Check() error {
	for _, a := range in.File.Accounts {
		if a.Namespace == "default" || a.Namespace == "kube-system" || a.Namespace == Namespace || slices.Contains(WorkspaceNamespaces(), a.Namespace) {
			return fmt.Errorf("%s:%d: the Job does not verify accounts in %s (the runner never works there); run `make verify INTENT=%s` with your own credentials",
				in.File.Path, a.Line, a.Namespace, in.File.Path)
		}
	}
	return nil
}

// intentPermissions is what IntentRole grants in each namespace of the file.
var intentPermissions = []rbacv1.PolicyRule{
	{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"create", "delete", "get", "list", "watch"}},
	{APIGroups: []string{""}, Resources: []string{"pods/exec"}, Verbs: []string{"create", "get"}},
	{APIGroups: []string{""}, Resources: []string{"events"}, Verbs: []string{"list"}},
	// the account itself: whether it opts out of automount, so that its probe
	// pods opt in as its own workloads do
	{APIGroups: []string{""}, Resources: []string{"serviceaccounts"}, Verbs: []string{"get"}},
	{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"roles", "rolebindings"}, Verbs: []string{"get", "list"}},
}

var intentReads = []rbacv1.PolicyRule{
	{APIGroups: []string{rbacv1.GroupName}, Resources: []string{"clusterroles", "clusterrolebindings"}, Verbs: []string{"get", "list"}},
}

// checks are intentPermissions as preflight asks them, per namespace.
func (in IntentInput) checks() []rbac.Request {
	ps := rulePermissions(intentReads, "")
	for _, ns := range in.Namespaces() {
		ps = append(ps, rulePermissions(intentPermissions, ns)...)
	}
	return ps
}

func rulePermissions(rules []rbacv1.PolicyRule, ns string) []rbac.Request {
	var ps []rbac.Request
	for _, r := range rules {
		for _, res := range r.Resources {
			resource, sub, _ := strings.Cut(res, "/")
			for _, v := range r.Verbs {
				ps = append(ps, rbac.Request{Verb: v, Group: r.APIGroups[0], Resource: resource, Subresource: sub, Namespace: ns})
			}
		}
	}
	return ps
}

// objects are the ConfigMap, IntentRole with its RoleBindings, and IntentReads.
func (in IntentInput) objects() []k8s.Object {
	subject := []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: Runner, Namespace: Namespace}}
	objs := []k8s.Object{
		&corev1.ConfigMap{TypeMeta: typeMeta("v1", "ConfigMap"), ObjectMeta: metav1.ObjectMeta{Name: IntentConfigMap, Namespace: Namespace},
			Data: map[string]string{"intent.yaml": string(in.Data)}},
		&rbacv1.ClusterRole{TypeMeta: typeMeta(rbacAPI, "ClusterRole"), ObjectMeta: metav1.ObjectMeta{Name: IntentRole}, Rules: intentPermissions},
		&rbacv1.ClusterRole{TypeMeta: typeMeta(rbacAPI, "ClusterRole"), ObjectMeta: metav1.ObjectMeta{Name: IntentReads}, Rules: intentReads},
		&rbacv1.ClusterRoleBinding{TypeMeta: typeMeta(rbacAPI, "ClusterRoleBinding"), ObjectMeta: metav1.ObjectMeta{Name: IntentReads}, Subjects: subject,
			RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: IntentReads}},
	}
	for _, ns := range in.Namespaces() {
		objs = append(objs, &rbacv1.RoleBinding{
			TypeMeta:   typeMeta(rbacAPI, "RoleBinding"),
			ObjectMeta: metav1.ObjectMeta{Name: IntentRole, Namespace: ns},
			Subjects:   subject,
			RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: IntentRole},
		})
	}
	return objs
}

var rbacAPI = rbacv1.SchemeGroupVersion.String()

func typeMeta(apiVersion, kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: apiVersion, Kind: kind}
}

// configure makes the Job's suite container run the verify suite on the file.
func (in IntentInput) configure(spec *corev1.PodSpec) {
	spec.Volumes = append(spec.Volumes, corev1.Volume{Name: "intent", VolumeSource: corev1.VolumeSource{
		ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: corev1.LocalObjectReference{Name: IntentConfigMap}}}})
	for i := range spec.Containers {
		c := &spec.Containers[i]
		if c.Name != "suite" {
			continue
		}
		c.Command = []string{verifyBin}
		setEnv(c, "INPOD_INTENT", intentMount+"/intent.yaml")
		setEnv(c, "INPOD_METHODS", in.Methods)
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "intent", MountPath: intentMount, ReadOnly: true})
	}
}
