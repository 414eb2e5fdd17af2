package incluster

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/e2e-framework/klient/decoder"
	"sigs.k8s.io/e2e-framework/klient/k8s"
	"sigs.k8s.io/yaml"

	"github.com/distribution/reference"
)

// ReleaseInput names, by digest, every image the released Job runs.
type ReleaseInput struct {
	Schedule     string // a cron schedule: the asset is a CronJob; "" = a Job
	Version      string
	SuiteImage   string            // the suite container
	ResultsImage string            // the results container
	ProbeImages  map[string]string // method → image the suite's probe pods run
}

// ReleaseManifest is manifests/job as one file for `kubectl apply -f`: every
// image by digest, pulled by the cluster (IfNotPresent: a digest never changes),
// the probe images in the suite's *_IMAGE variables. A kustomization over this
// file can still point the images at a private registry (images: by name).
// With in.Schedule the Job becomes a CronJob (CronJobOf).
func ReleaseManifest(in ReleaseInput) ([]byte, error) {
	for what, ref := range map[string]string{"suite": in.SuiteImage, "results": in.ResultsImage} {
		if err := byDigest(ref); err != nil {
			return nil, fmt.Errorf("%s image: %w", what, err)
		}
	}
	env := map[string]string{"IMAGES": "published"}
	for m, ref := range in.ProbeImages {
		if err := byDigest(ref); err != nil {
			return nil, fmt.Errorf("%s probe image: %w", m, err)
		}
		env[strings.ToUpper(m)+"_IMAGE"] = ref
	}
	objs, err := Objects(Input{SuiteImage: in.SuiteImage, ResultsImage: in.ResultsImage, Env: env, RunID: "job"})
	if err != nil {
		return nil, err
	}
	header := fmt.Sprintf("# inpod %s: the in-cluster suite. kubectl apply -f this file; the verdict is\n# in ConfigMap inpod-system/inpod-results (kubectl get configmap inpod-results -n inpod-system -o yaml).\n", in.Version)
	if in.Schedule != "" {
		if err := checkSchedule(in.Schedule); err != nil {
			return nil, err
		}
		last := len(objs) - 1
		j, ok := objs[last].(*batchv1.Job)
		if !ok {
			return nil, fmt.Errorf("manifests/job: the last object is a %T, not the Job", objs[last])
		}
		objs[last] = CronJobOf(j, in.Schedule)
		header = fmt.Sprintf("# inpod %s: the in-cluster suite on the schedule %q (CronJob inpod-system/inpod).\n# Each run's verdict is in ConfigMap inpod-system/inpod-results, and its history in\n# ConfigMaps inpod-history-* (kubectl get configmaps -n inpod-system -l inpod.io/history).\n", in.Version, in.Schedule)
	}
	return manifestFile(header, objs)
}

// manifestFile is objs as one multi-document YAML file after the comment header.
func manifestFile(header string, objs []k8s.Object) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(header)
	for _, o := range objs {
		data, err := objectYAML(o)
		if err != nil {
			return nil, err
		}
		b.WriteString("---\n")
		b.Write(data)
	}
	return b.Bytes(), nil
}

// CronJobOf is j run on schedule: never two at once (Forbid: a run that
// overlaps the next is not doubled), a missed start given up after 10 minutes,
// the last 3 finished Jobs of each outcome kept. It changes j's results
// container.
func CronJobOf(j *batchv1.Job, schedule string) *batchv1.CronJob {
	// nobody execs into a scheduled run's pod to collect its reports: the
	// results container prints them to its log 10 s after the suite ends
	for i := range j.Spec.Template.Spec.Containers {
		if c := &j.Spec.Template.Spec.Containers[i]; c.Name == "results" {
			setEnv(c, "WAIT_TICKS", "5")
		}
	}
	return &batchv1.CronJob{
		TypeMeta:   metav1.TypeMeta{APIVersion: "batch/v1", Kind: "CronJob"},
		ObjectMeta: metav1.ObjectMeta{Name: j.Name, Namespace: j.Namespace, Labels: j.Labels},
		Spec: batchv1.CronJobSpec{
			Schedule:                   schedule,
			ConcurrencyPolicy:          batchv1.ForbidConcurrent,
			StartingDeadlineSeconds:    ptr.To[int64](600),
			SuccessfulJobsHistoryLimit: ptr.To[int32](3),
			FailedJobsHistoryLimit:     ptr.To[int32](3),
			JobTemplate:                batchv1.JobTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: j.Labels}, Spec: j.Spec},
		},
	}
}

// checkSchedule refuses, in one line, what is not a five-field cron schedule
// (or a @-macro the CronJob controller knows).
func checkSchedule(s string) error {
	switch s {
	case "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly":
		return nil
	}
	f := strings.Fields(s)
	if len(f) != 5 {
		return fmt.Errorf("schedule %q: want five cron fields (minute hour day-of-month month day-of-week), e.g. \"17 */6 * * *\"", s)
	}
	for _, x := range f {
		if strings.Trim(x, "0123456789*/,-") != "" && !isNames(x) {
			return fmt.Errorf("schedule %q: field %q is not a cron field", s, x)
		}
	}
	return nil
}

func isNames(x string) bool {
	return strings.Trim(strings.ToLower(x), "abcdefghijklmnopqrstuvwxyz,-") == ""
}

// objectYAML is o without the fields a manifest leaves out (status,
// creationTimestamp), with its apiVersion and kind.
func objectYAML(o k8s.Object) ([]byte, error) {
	raw, err := yaml.Marshal(o)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	delete(m, "status")
	dropCreationTimestamps(m)
	return yaml.Marshal(m)
}

// byDigest refuses a reference that is not pinned by digest.
func byDigest(ref string) error {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return fmt.Errorf("%q: %w", ref, err)
	}
	if _, ok := named.(reference.Digested); !ok {
		return fmt.Errorf("%s is not pinned by digest (NAME@sha256:…)", ref)
	}
	return nil
}

// dropCreationTimestamps deletes every metadata.creationTimestamp (null in an
// object not yet created) in the object, its template and its job template.
func dropCreationTimestamps(m map[string]any) {
	for k, v := range m {
		if k == "creationTimestamp" && v == nil {
			delete(m, k)
			continue
		}
		if sub, ok := v.(map[string]any); ok {
			dropCreationTimestamps(sub)
		}
	}
}

// IntentAssetInput turns a release asset (inpod-job.yaml or
// inpod-cronjob.yaml) into one that verifies a user's intent file.
type IntentAssetInput struct {
	Asset    []byte
	Intent   IntentInput
	Schedule string // a new schedule for a CronJob asset; "" keeps its own
	Keep     int    // INPOD_HISTORY_KEEP; 0 keeps the default
}

// IntentAsset is in.Asset with the intent's ConfigMap and RBAC (IntentInput)
// before its Job or CronJob, whose suite container then runs the verify suite
// on the file; the images stay the asset's, by digest.
func IntentAsset(ctx context.Context, in IntentAssetInput) ([]byte, error) {
	if err := in.Intent.Check(); err != nil {
		return nil, err
	}
	objs, err := decoder.DecodeAll(ctx, bytes.NewReader(in.Asset))
	if err != nil {
		return nil, fmt.Errorf("the asset: %w", err)
	}
	var spec *corev1.PodSpec
	var labels map[string]string
	at := -1
	for i, o := range objs {
		switch w := o.(type) {
		case *batchv1.Job:
			spec, labels, at = &w.Spec.Template.Spec, w.Labels, i
		case *batchv1.CronJob:
			spec, labels, at = &w.Spec.JobTemplate.Spec.Template.Spec, w.Labels, i
			if in.Schedule != "" {
				if err := checkSchedule(in.Schedule); err != nil {
					return nil, err
				}
				w.Spec.Schedule = in.Schedule
			}
		}
	}
	if at < 0 {
		return nil, fmt.Errorf("the asset holds no Job or CronJob (want inpod-job.yaml or inpod-cronjob.yaml)")
	}
	if _, ok := objs[at].(*batchv1.Job); ok && in.Schedule != "" {
		return nil, fmt.Errorf("a schedule is for inpod-cronjob.yaml; this asset is the Job")
	}
	if in.Keep < 0 {
		return nil, fmt.Errorf("keep %d: want a positive number of history entries", in.Keep)
	}
	in.Intent.configure(spec)
	for i := range spec.Containers {
		if c := &spec.Containers[i]; c.Name == "suite" && in.Keep > 0 {
			setEnv(c, "INPOD_HISTORY_KEEP", fmt.Sprint(in.Keep))
		}
	}
	extra := in.Intent.objects()
	for _, o := range extra {
		o.SetLabels(maps.Clone(labels))
	}
	objs = append(objs[:at], append(extra, objs[at:]...)...)
	head := header(in.Asset) + fmt.Sprintf("# It verifies the intent file %s (ConfigMap %s/%s) with the verify suite", in.Intent.File.Path, Namespace, IntentConfigMap)
	if in.Schedule != "" {
		head += fmt.Sprintf(", on the schedule %q", in.Schedule)
	}
	return manifestFile(head+" (inpodctl intent asset).\n", objs)
}

// header is an asset's leading comment lines.
func header(asset []byte) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(string(asset), "\n") {
		if !strings.HasPrefix(l, "#") {
			break
		}
		b.WriteString(l)
	}
	return b.String()
}
