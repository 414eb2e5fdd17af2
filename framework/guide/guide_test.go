package guide

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/run"
)

func testRun() *run.Run { return &run.Run{Config: &config.Config{}, ID: "r1"} }

func TestAdaptChangesOnlyNamespacesNamesAndLabels(t *testing.T) {
	orig, err := Load("cluster-pod-reader.yaml")
	if err != nil {
		t.Fatal(err)
	}
	objs, _ := Load("cluster-pod-reader.yaml", Adapt(testRun(), AdaptInput{Namespace: "ns1"})...)

	cr := objs[0].(*rbacv1.ClusterRole)
	if cr.Name != "cluster-pod-reader-ns1" {
		t.Errorf("ClusterRole name %q", cr.Name)
	}
	if !reflect.DeepEqual(cr.Rules, orig[0].(*rbacv1.ClusterRole).Rules) {
		t.Error("rules changed")
	}
	crb := objs[1].(*rbacv1.ClusterRoleBinding)
	if crb.RoleRef.Name != cr.Name || crb.Subjects[0].Namespace != "ns1" || crb.Subjects[0].Name != "pod-reader" {
		t.Errorf("binding: %+v %+v", crb.RoleRef, crb.Subjects)
	}
	if crb.Labels[run.LabelRun] != "r1" {
		t.Errorf("labels: %v", crb.Labels)
	}
}

func TestAdaptPodIsRestrictedAndOtherwiseTheGuides(t *testing.T) {
	p, err := Pod(testRun(), "kubectl-pod.yaml", AdaptInput{Namespace: "ns1", Image: "probe:1"})
	if err != nil {
		t.Fatal(err)
	}
	c := p.Spec.Containers[0]
	if p.Namespace != "ns1" || p.Name != "kubectl-pod" || p.Spec.ServiceAccountName != "pod-reader" {
		t.Errorf("pod identity changed: %s/%s sa %s", p.Namespace, p.Name, p.Spec.ServiceAccountName)
	}
	if c.Image != "probe:1" || !reflect.DeepEqual(c.Command, []string{"sleep", "3600"}) {
		t.Errorf("container: %s %v", c.Image, c.Command)
	}
	sc := p.Spec.SecurityContext
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext not restricted: %+v", sc)
	}
	if c.SecurityContext == nil || c.SecurityContext.AllowPrivilegeEscalation == nil || *c.SecurityContext.AllowPrivilegeEscalation {
		t.Errorf("container securityContext not restricted: %+v", c.SecurityContext)
	}
}

func TestLoadNamesAMissingFile(t *testing.T) {
	if _, err := Load("no-such-file.yaml"); err == nil {
		t.Error("want an error for a file the guide does not have")
	}
}

func TestEveryGuideFileDecodes(t *testing.T) {
	for _, f := range []string{"serviceaccount-rbac.yaml", "test-pod.yaml", "kubectl-pod.yaml", "namespace-reader.yaml",
		"cluster-pod-reader.yaml", "deployment-manager.yaml", "no-api-pod.yaml", "secure-pod.yaml", "least-privilege.yaml"} {
		objs, err := Load(f)
		if err != nil || len(objs) == 0 {
			t.Errorf("%s: %v (%d objects)", f, err, len(objs))
		}
	}
}
