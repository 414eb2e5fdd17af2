package incluster

import (
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"

	"github.com/inpod/inpod/framework/intent"
)

const shopIntent = `apiVersion: inpod.io/v1alpha1
kind: AccessIntent
accounts:
- serviceAccount: shop/storefront
  allow: [{verb: list, resource: pods}]
- serviceAccount: shop-billing/payer
  deny: [{verb: list, resource: secrets}]
`

func TestIntentJob(t *testing.T) {
	f, err := intent.Parse("shop.yaml", []byte(shopIntent))
	if err != nil {
		t.Fatal(err)
	}
	in := Input{RunID: "job-x", Intent: &IntentInput{File: f, Data: []byte(shopIntent), Methods: "curl"}}
	if err := in.Intent.Check(); err != nil {
		t.Fatal(err)
	}
	objs, err := Objects(in)
	if err != nil {
		t.Fatal(err)
	}
	var bound []string
	var cm *corev1.ConfigMap
	for _, o := range objs {
		if o.GetLabels()["inpod.io/job"] != "job-x" {
			t.Errorf("%T %s lacks the run's label", o, o.GetName())
		}
		switch o := o.(type) {
		case *rbacv1.RoleBinding:
			if o.RoleRef.Name == IntentRole {
				bound = append(bound, o.Namespace)
			}
		case *corev1.ConfigMap:
			cm = o
		}
	}
	if len(bound) != 2 || bound[0] != "shop" || bound[1] != "shop-billing" {
		t.Errorf("IntentRole bound in %v, want [shop shop-billing]", bound)
	}
	if cm == nil || cm.Data["intent.yaml"] != shopIntent {
		t.Fatalf("the intent ConfigMap: %+v", cm)
	}
	j, ok := objs[len(objs)-1].(*batchv1.Job)
	if !ok {
		t.Fatalf("the Job is not last: %T", objs[len(objs)-1])
	}
	c := j.Spec.Template.Spec.Containers[0]
	if c.Command[0] != verifyBin {
		t.Errorf("suite command %v", c.Command)
	}
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if env["INPOD_INTENT"] != "/intent/intent.yaml" || env["INPOD_METHODS"] != "curl" {
		t.Errorf("env %v", env)
	}
	if len(in.Intent.checks()) == 0 {
		t.Error("no preflight checks for the intent's namespaces")
	}
}

func TestIntentJobRefusesDefault(t *testing.T) {
	f, _ := intent.Parse("d.yaml", []byte(`apiVersion: inpod.io/v1alpha1
kind: AccessIntent
accounts:
- serviceAccount: default/x
  deny: [{verb: list, resource: secrets}]
`))
	if err := (IntentInput{File: f}).Check(); err == nil {
		t.Fatal("an account in default was accepted")
	}
}
