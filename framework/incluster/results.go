package incluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/klient/wait"
	"sigs.k8s.io/e2e-framework/klient/wait/conditions"
	"sigs.k8s.io/yaml"
)

// showResults deletes the Job and waits for its pod to be gone, then reads
// the verdict ConfigMap, which outlives them: it goes to ReportDir/results.yaml
// whole and to the log without its JUnit.
func showResults(ctx context.Context, in Input, jobObj *batchv1.Job, pod string) error {
	res := in.Proxy.Client().Resources()
	fg := metav1.DeletePropagationForeground
	if err := res.Delete(ctx, jobObj, func(d *metav1.DeleteOptions) { d.PropagationPolicy = &fg }); err != nil {
		return fmt.Errorf("job: delete the Job before reading its results: %w", err)
	}
	gone := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: pod, Namespace: Namespace}}
	if err := wait.For(conditions.New(res).ResourceDeleted(gone), wait.WithContext(ctx), wait.WithTimeout(2*time.Minute)); err != nil {
		return fmt.Errorf("job: pod %s/%s still exists 2m after its Job was deleted: %w", Namespace, pod, err)
	}
	cm, err := in.Proxy.Clientset().CoreV1().ConfigMaps(Namespace).Get(ctx, ResultsName, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("job: the run left no results object (ConfigMap %s/%s): %w", Namespace, ResultsName, err)
	}
	cm.ManagedFields = nil
	whole, err := yaml.Marshal(cm)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(in.ReportDir, "results.yaml"), whole, 0o644); err != nil {
		return err
	}
	if j, ok := cm.Data["junit.xml"]; ok {
		cm.Data["junit.xml"] = fmt.Sprintf("<%d bytes; whole in %s>", len(j), filepath.Join(in.ReportDir, "results.yaml"))
	}
	short, err := yaml.Marshal(cm)
	if err != nil {
		return err
	}
	in.Log("results: pod %s is gone; `kubectl get configmap %s -n %s -o yaml` reads:\n%s", pod, ResultsName, Namespace, short)
	return nil
}
