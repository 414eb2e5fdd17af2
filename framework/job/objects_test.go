package job

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestObjectsAreLabelledForTheJob(t *testing.T) {
	objs, err := Objects(Input{RunID: "r1", SystemPodSecurity: "privileged"})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) == 0 {
		t.Fatal("manifests/job decodes to nothing")
	}
	for _, o := range objs {
		if o.GetLabels()["inpod.io/job"] != "r1" || o.GetLabels()["app.kubernetes.io/managed-by"] != "inpod" {
			t.Errorf("%T %s: labels %v", o, o.GetName(), o.GetLabels())
		}
		if ns, ok := o.(*corev1.Namespace); ok && ns.Name == Namespace && ns.Labels["pod-security.kubernetes.io/enforce"] != "privileged" {
			t.Errorf("namespace %s: labels %v", ns.Name, ns.Labels)
		}
	}
}
