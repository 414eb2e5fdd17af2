package incluster

// Objects: manifests/job decoded, labelled and configured for one run.

import (
	"context"
	"fmt"
	"maps"
	"strings"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/e2e-framework/klient/decoder"
	"sigs.k8s.io/e2e-framework/klient/k8s"

	"github.com/inpod/inpod/manifests"
)

// Manifests decodes manifests/job (namespaces, RBAC, Job) with e2e-framework's
// decoder, as `kubectl apply -k` would apply them, in dependency order; opts
// change each object as it is decoded.
func Manifests(opts ...decoder.DecodeOption) ([]k8s.Object, error) {
	var objs []k8s.Object
	for _, f := range []string{"job/namespace.yaml", "job/rbac.yaml", "job/workspaces.yaml", "job/job.yaml"} {
		got, err := decoder.DecodeAllFiles(context.Background(), manifests.FS, f, opts...)
		if err != nil {
			return nil, fmt.Errorf("manifests/%s: %w", f, err)
		}
		if len(got) == 0 {
			return nil, fmt.Errorf("manifests/%s: no objects", f)
		}
		objs = append(objs, got...)
	}
	return objs, nil
}

// Objects is Manifests labelled for the run and configured by in.
func Objects(in Input) ([]k8s.Object, error) {
	labels := map[string]string{
		"app.kubernetes.io/name":       "inpod",
		"app.kubernetes.io/managed-by": "inpod",
		// Not inpod.io/run: the suite deletes what carries its run label at the
		// end, and the runner's own RBAC must outlive that.
		"inpod.io/job": in.RunID,
	}
	objs, err := Manifests(decoder.MutateLabels(labels))
	if err != nil {
		return nil, err
	}
	if in.Intent != nil {
		extra := in.Intent.objects()
		for _, o := range extra {
			o.SetLabels(maps.Clone(labels))
		}
		// Before the Job, which is last.
		objs = append(objs[:len(objs)-1], append(extra, objs[len(objs)-1])...)
	}
	for _, o := range objs {
		switch obj := o.(type) {
		case *rbacv1.ClusterRole:
			if (obj.Name == Runner || obj.Name == WorkspaceRole) && in.RemovePermission != "" {
				removePermission(obj, in.RemovePermission)
			}
		case *batchv1.Job:
			configureJob(obj, in)
		case *corev1.Namespace:
			if obj.Name == Namespace && in.SystemPodSecurity != "" {
				obj.Labels["pod-security.kubernetes.io/enforce"] = in.SystemPodSecurity
			}
		}
	}
	return objs, nil
}

func removePermission(cr *rbacv1.ClusterRole, perm string) {
	verb, res, _ := strings.Cut(perm, " ")
	for i, r := range cr.Rules {
		for _, rr := range r.Resources {
			if rr != res {
				continue
			}
			var keep []string
			for _, v := range r.Verbs {
				if v != verb {
					keep = append(keep, v)
				}
			}
			cr.Rules[i].Verbs = keep
		}
	}
}

func configureJob(j *batchv1.Job, in Input) {
	spec := &j.Spec.Template.Spec
	for i := range spec.Containers {
		c := &spec.Containers[i]
		switch c.Name {
		case "suite":
			c.Image = in.SuiteImage
			for k, v := range in.Env {
				setEnv(c, k, v)
			}
			setEnv(c, "INPOD_RUN_ID", in.RunID)
			for j, a := range c.Args {
				if strings.HasPrefix(a, "--ginkgo.label-filter=") && in.LabelFilter != "" {
					c.Args[j] = "--ginkgo.label-filter=" + in.LabelFilter
				}
			}
		case "results":
			c.Image = in.ResultsImage
		}
	}
	j.Spec.Template.Labels["inpod.io/job"] = in.RunID
	if in.Intent != nil {
		in.Intent.configure(&j.Spec.Template.Spec)
	}
}

func setEnv(c *corev1.Container, k, v string) {
	for i := range c.Env {
		if c.Env[i].Name == k {
			c.Env[i].Value = v
			return
		}
	}
	c.Env = append(c.Env, corev1.EnvVar{Name: k, Value: v})
}
