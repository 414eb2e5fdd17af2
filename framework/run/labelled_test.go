package run

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func meta(name, run string, age time.Duration, now time.Time) metav1.ObjectMeta {
	l := map[string]string{LabelManagedBy: "inpod", LabelRun: run}
	if run == "" {
		l = map[string]string{"other": "x"}
	}
	return metav1.ObjectMeta{Name: name, Labels: l, CreationTimestamp: metav1.NewTime(now.Add(-age))}
}

func TestCleanupLabelledDeletesOnlyTheSelected(t *testing.T) {
	now := time.Now()
	cs := fake.NewSimpleClientset(
		&corev1.Namespace{ObjectMeta: meta("inpod-a", "old", 3*time.Hour, now)},
		&corev1.Namespace{ObjectMeta: meta("inpod-b", "new", time.Minute, now)},
		&corev1.Namespace{ObjectMeta: meta("someone-elses", "", 5*time.Hour, now)},
		&rbacv1.ClusterRole{ObjectMeta: meta("cr-old", "old", 3*time.Hour, now)},
		&rbacv1.ClusterRoleBinding{ObjectMeta: meta("crb-old", "old", 3*time.Hour, now)},
	)
	ctx := context.Background()
	all, err := ListLabelled(ctx, cs, ManagedSelector)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 || all[0].Kind != "ClusterRoleBinding" || all[1].Kind != "ClusterRole" || all[3].Kind != "Namespace" {
		t.Fatalf("listed %v, want the binding, the role, then the two labelled namespaces", all)
	}
	if got := all[0].String(); got != "clusterrolebinding.rbac.authorization.k8s.io/crb-old" {
		t.Errorf("String() = %q", got)
	}
	stale := Stale(all, "current", now, 2*time.Hour)
	if len(stale) != 3 {
		t.Fatalf("stale = %v, want run old's three objects", stale)
	}
	if got := Stale(all, "old", now, 2*time.Hour); len(got) != 0 {
		t.Errorf("the current run's own objects were called stale: %v", got)
	}
	if _, err := CleanupLabelled(ctx, cs, RunSelector("old")); err != nil {
		t.Fatal(err)
	}
	left, err := ListLabelled(ctx, cs, ManagedSelector)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].Name != "inpod-b" {
		t.Errorf("left %v, want only run new's namespace", left)
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "someone-elses", metav1.GetOptions{}); err != nil {
		t.Errorf("an unlabelled namespace was touched: %v", err)
	}
}
