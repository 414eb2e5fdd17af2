package incluster

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

// The reports printed to the results container's log (where exec is refused)
// come back whole; a cut or missing one is an error.
func TestParseReportLog(t *testing.T) {
	log := "@@inpod-file junit.xml\nPHRlc3Rz\nPC8+\n@@inpod-file report.json\nW10=\n"
	files, err := ParseReportLog(log)
	if err != nil || string(files["junit.xml"]) != "<tests</>" || string(files["report.json"]) != "[]" {
		t.Fatalf("got %q, %v", files, err)
	}
	if _, err := ParseReportLog("@@inpod-file junit.xml\nPHRlc3Rz\n"); err == nil {
		t.Error("a log without report.json was accepted")
	}
	if _, err := ParseReportLog("@@inpod-file junit.xml\nPHRlc3R\n@@inpod-file report.json\nW10=\n"); err == nil {
		t.Error("a cut file was accepted")
	}
}
