package inpod_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/inpod/inpod/framework/access"
	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/fixture"
	"github.com/inpod/inpod/framework/images"
	"github.com/inpod/inpod/framework/lines"
	"github.com/inpod/inpod/framework/netdiag"
	"github.com/inpod/inpod/framework/rbac"
	"github.com/inpod/inpod/framework/report"
)

var methodTitles = map[string]string{
	"curl":    "curl from a pod (the guide's Methods 1 and 2)",
	"python":  "the Python client from a pod (the guide's Method 3)",
	"go":      "the Go client from a pod (the guide's Method 4)",
	"kubectl": "kubectl from a pod (the guide's Method 5)",
}

// forbiddenMarker is how each guide program shows that the answer was a 403.
var forbiddenMarker = map[string]string{
	"curl":    `"code": 403`,
	"python":  "(403)",
	"go":      "is forbidden",
	"kubectl": "Error from server (Forbidden)",
}

// listedName is how each guide program prints a pod's name.
func listedName(method, pod string) string {
	switch method {
	case "curl":
		return `"` + pod + `"`
	case "python", "go":
		return "Pod: " + pod
	}
	return pod
}

var _ = Describe("The API from inside a pod", func() {
	for _, m := range access.Methods {
		name := m.Name()
		Describe(methodTitles[name], Label("method:"+name, "rbac", faults.GuardSelfTestBeforeAll), Ordered, ContinueOnFailure, func() {
			fw := newFramework()
			var f *methodFixture
			// The requests of this container's specs, one exec per probe pod.
			batch := &access.Batch{Method: m}
			var more []func(context.Context, *methodFixture) // kubectl: can-i's execs
			BeforeAll(func(ctx SpecContext) {
				f = setupMethod(ctx, fw, m, m.Name())
				batch.Run(ctx, fw.Run, f.probes)
				for _, run := range more {
					run(ctx, f)
				}
			})
			table := func(l ...string) Labels { return Label(append(l, report.MethodTableLabel)...) }

			plan := func(sa string, build func() rbac.Request) *access.Planned {
				return batch.Add(sa, func() (rbac.Request, error) { return build(), nil })
			}
			outcome := func(p *access.Planned) access.Outcome { return plannedOutcome(f, p) }
			listPods := func(ns string) rbac.Request { return rbac.Request{Verb: "list", Resource: "pods", Namespace: ns} }

			It("fails with Forbidden when the guide's own list-pods code runs as the default ServiceAccount (\"This will likely fail with Forbidden\")", table(faults.GuardDefaultForbidden, faults.GuardAPIReachable), func(ctx SpecContext) {
				res, err := access.RunGuideList(ctx, fw.Run, name, f.probes[saDefault], "")
				Expect(err).NotTo(HaveOccurred())
				out := strings.ReplaceAll(res.Stdout+res.Stderr, `\"`, `"`)
				if name != "curl" {
					Expect(res.ExitCode).NotTo(BeZero(), "the program succeeded: the request was allowed; output:\n%s", out)
				}
				why := "no Forbidden in the program's output"
				if c := netdiag.Cause(out); c != "" {
					why = "the program got no answer from the API server: " + c.Phrase() + access.EgressPolicies(ctx, fw.Run, f.probes[saDefault])
				}
				if strings.Contains(out, `"kind": "PodList"`) || strings.Contains(out, "Pod: ") || strings.Contains(out, f.probes[saDefault].Pod) {
					why = "the request was allowed: the program listed the pods"
				}
				Expect(out).To(ContainSubstring(forbiddenMarker[name]), "%s:\n%s", why, out)
				Expect(out).To(ContainSubstring(access.ForbiddenMessage(f.user(saDefault), "list", "pods", "")))
			})

			It("lists the namespace's pods when the guide's own list-pods code runs as pod-reader (\"Now the API call should work\")", table(faults.GuardPodReaderBinding, faults.GuardPodReaderToken, faults.GuardAPIReachable), func(ctx SpecContext) {
				// curl: the API call alone; its `| jq` is the erratum spec's.
				res, err := access.RunGuideList(ctx, fw.Run, name, f.probes[saPodReader], "")
				Expect(err).NotTo(HaveOccurred())
				if res.ExitCode != 0 || !strings.Contains(res.Stdout, listedName(name, f.logPod)) {
					cause := ""
					if c := netdiag.Cause(res.Stdout + res.Stderr); c != "" {
						cause = " — no answer from the API server: " + c.Phrase() + access.EgressPolicies(ctx, fw.Run, f.probes[saPodReader])
					}
					Fail(fmt.Sprintf("the guide's program did not list the pods (exit %d)%s.\nIts output:\n%s\n%s",
						res.ExitCode, cause, res.Stdout, lines.LastN(res.Stderr, 5)))
				}
				Expect(res.Stdout).To(ContainSubstring(listedName(name, f.probes[saPodReader].Pod)))
				Expect(res.Stdout).To(ContainSubstring(listedName(name, f.logPod)))
				switch name {
				case "python":
					Expect(res.Stdout).To(ContainSubstring("  Status: Running"))
					Expect(res.Stdout).To(MatchRegexp(`  IP: \d+\.\d+\.\d+\.\d+`))
				case "go":
					Expect(res.Stdout).To(ContainSubstring(fmt.Sprintf("Pod: %s, Status: Running", f.logPod)))
				}
			})

			if facts, ok, err := images.StandInFor(name); err != nil {
				It("reads manifests/images/stand-ins.yaml", func() { Fail(err.Error()) })
			} else if ok {
				lacks := ""
				if len(facts.Absent) > 0 {
					lacks = fmt.Sprintf(" and without what it lacks (%s)", strings.Join(facts.Absent, ", "))
				}
				It(fmt.Sprintf("runs in an image with what %s has (%s)%s, as manifests/images/stand-ins.yaml records", facts.Image, strings.Join(facts.Present, ", "), lacks), Label("image-facts"), func(ctx SpecContext) {
					res, err := podsExec(ctx, fw, f.probes[saDefault], "sh", "-c", facts.ToolScript())
					Expect(err).NotTo(HaveOccurred())
					if bad := facts.ToolMismatches(res.Stdout); len(bad) > 0 {
						Fail(fmt.Sprintf("image %s differs from %s: %s (exit %d; stderr: %s)", fw.Image(name), facts.Image, strings.Join(bad, "; "), res.ExitCode, lines.LastN(res.Stderr, 3)))
					}
				})
			}

			if name == "curl" {
				It("finds no jq for Method 2's `| jq .items[].metadata.name` in the guide's curl image (erratum), and the corrected step prints exactly the pods the API lists", Label(report.ErratumLabel, faults.GuardPodReaderBinding, faults.GuardPodReaderToken, faults.GuardAPIReachable), func(ctx SpecContext) {
					methodErratum(ctx, fw, f.probes[saPodReader])
				})
			}

			watch := func() rbac.Request { return rbac.Request{Verb: "watch", Resource: "pods", Namespace: f.main} }
			podReaderWatch, defaultWatch := plan(saPodReader, watch), plan(saDefault, watch)
			It("lets pod-reader watch pods in its namespace: HTTP 200 and the stream's ADDED events", table(faults.GuardPodReaderBinding, faults.GuardPodReaderToken, faults.GuardAPIReachable), func(ctx SpecContext) {
				out := outcome(podReaderWatch)
				Expect(out).To(access.BeAllowed())
				Expect(out.Body).To(SatisfyAll(ContainSubstring(`"ADDED"`), ContainSubstring(f.logPod)), "the watch stream")
			})

			It("refuses the default ServiceAccount watching pods: 403 Forbidden naming it, watch, pods", table(faults.GuardDefaultForbidden, faults.GuardAPIReachable), func(ctx SpecContext) {
				out := outcome(defaultWatch)
				Expect(out).To(access.BeForbiddenFor(f.user(saDefault), out.Request))
			})

			describeIntentCells(func() *methodFixture { return f }, batch, table)

			deployment := "managed-" + name
			for _, step := range []struct{ verb, body string }{
				{"create", ""}, {"update", ""}, {"patch", `{"metadata":{"labels":{"patched":"yes"}}}`}, {"delete", ""},
			} {
				p := plan(saDeployer, func() rbac.Request {
					q := rbac.Request{Verb: step.verb, Group: "apps", Resource: "deployments", Namespace: f.main, Body: step.body}
					switch step.verb {
					case "create":
						q.Body = deploymentBody(fw, deployment, "created")
					case "update":
						q.Name, q.Body = deployment, deploymentBody(fw, deployment, "updated")
					default:
						q.Name = deployment
					}
					return q
				})
				It("lets deployment-manager "+step.verb+" a Deployment", table(faults.GuardDeploymentManager, faults.GuardAPIReachable), func() {
					Expect(outcome(p)).To(access.BeAllowed())
				})
			}

			if name == "kubectl" {
				It("answers 401 Unauthorized, not 403, to kubectl --token=invalid get pods (the status read from kubectl's -v=6 log)", table(faults.GuardAPIReachable), func(ctx SpecContext) {
					t := f.probes[saPodReader]
					res, err := podsExec(ctx, fw, t, "kubectl", access.KubectlVerbosity, "--token=invalid", "get", "pods")
					Expect(err).NotTo(HaveOccurred())
					// Authentication refuses whatever kubectl sends first: in a pod
					// without a discovery cache that is its GET /api.
					Expect(access.ParseKubectlFirst(listPods(f.main), res)).To(access.BeUnauthorized())
				})
				It("takes no status from kubectl's exit code: a dry-run create deployment-manager may make, run without -v=6, is \"not observed\", neither allowed nor refused", table(faults.GuardDeploymentManager, faults.GuardAPIReachable), func(ctx SpecContext) {
					q := rbac.Request{Verb: "create", Group: "apps", Resource: "deployments", Namespace: f.main, DryRun: true,
						Body: deploymentBody(fw, "unlogged-"+name, "created")}
					res, err := podsExec(ctx, fw, f.probes[saDeployer], "sh", "-c", access.KubectlCommand(q))
					Expect(err).NotTo(HaveOccurred())
					Expect(res.ExitCode).To(BeZero(), "kubectl failed, so its silence proves nothing: %s", netdiag.Explain(res.Stderr))
					o := access.ParseKubectl(q, res)
					Expect(o.Cell()).To(Equal("not observed"), "a status was read from a run that logged none: %s", access.Happened(o))
					Expect(o).NotTo(access.BeAllowed())
					Expect(o).NotTo(access.BeForbiddenFor(f.user(saDeployer), q))
				})
				// kubectl auth can-i asks from the same pods.
				more = append(more, describeCanI(fw, func() *methodFixture { return f }))
			}
		})
	}
})

// methodErratum runs Method 2's step as the guide writes it in t's curl image,
// records what it did as an erratum, and passes only if it failed for want of jq
// and the corrected step printed the names of exactly the pods the API lists.
func methodErratum(ctx context.Context, fw *fixture.Framework, t access.Target) {
	guide, err := access.RunGuideList(ctx, fw.Run, "curl", t, access.GuideJQ)
	Expect(err).NotTo(HaveOccurred())
	fixed, err := access.RunGuideList(ctx, fw.Run, "curl", t, access.PodNamesSed)
	Expect(err).NotTo(HaveOccurred())
	list, err := fw.Proxy.Clientset().CoreV1().Pods(t.Namespace).List(ctx, metav1.ListOptions{})
	Expect(err).NotTo(HaveOccurred())
	var want []string
	for _, p := range list.Items {
		want = append(want, p.Name)
	}
	if fixed.RanIn != "" {
		want = append(want, fixed.RanIn) // the log path's pod listed itself, and is gone now
	}
	got := strings.Fields(fixed.Stdout)
	slices.Sort(want)
	slices.Sort(got)
	evidence := fmt.Sprintf("exit %d", guide.ExitCode)
	if l := lines.Matching(guide.Stderr, "jq"); l != "" {
		evidence += ": " + l
	} else if guide.ExitCode == 0 {
		evidence += ", printed " + lines.First(guide.Stdout)
	}
	AddReportEntry(report.ErratumEntry, report.Erratum{
		Section:   "Method 2 (\"Now the API call should work\")",
		Step:      access.GuideCurlList + access.GuideJQ,
		Image:     fw.Image("curl"),
		Evidence:  evidence,
		Corrected: access.GuideCurlList + access.PodNamesSed,
		Proof:     fmt.Sprintf("%d names, the API's list has %d: %s", len(got), len(want), strings.Join(got, " ")),
	}, ReportEntryVisibilityNever)
	Expect(guide.ExitCode).To(Equal(127), "the guide's step no longer fails as the erratum states (%s in %s): jq is there now — retire this erratum", evidence, fw.Image("curl"))
	Expect(guide.Stderr).To(MatchRegexp(`(^|\n)(sh: )?(\d+: )?jq: not found`), "the guide's step exited 127 for another reason than a missing jq")
	if !slices.Equal(got, want) {
		// what the API answered before the sed step kept only names
		raw, err := access.RunGuideList(ctx, fw.Run, "curl", t, "")
		answer := lines.Clip(raw.Stdout, 600) + "\n" + lines.LastN(fixed.Stderr+raw.Stderr, 3)
		if err != nil {
			answer = err.Error()
		}
		Fail(fmt.Sprintf("the corrected step (%s) did not print exactly the pods the API lists in %s; it printed %q; the API answered the list:\n%s",
			access.PodNamesSed, t.Namespace, got, answer))
	}
}

// plannedOutcome is a batched request's outcome, recorded for the report; the
// spec's log names the exec that produced it.
func plannedOutcome(f *methodFixture, p *access.Planned) access.Outcome {
	out, exec, err := p.Result()
	Expect(err).NotTo(HaveOccurred())
	By("answered by " + exec)
	recordAccess(p.Account, out, scope(out.Request, f.other))
	return out
}

// deploymentBody is a Deployment with no replicas: the specs are about the API's
// answer, not about running its pods.
func deploymentBody(fw *fixture.Framework, name, stage string) string {
	image := fw.Image("curl")
	return fmt.Sprintf(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":%q,"labels":{"stage":%q,`+strings.Trim(runLabelsJSON(fw), "{}")+`}},`+
		`"spec":{"replicas":0,"selector":{"matchLabels":{"app":%q}},"template":{"metadata":{"labels":{"app":%q}},`+
		`"spec":{"containers":[{"name":"c","image":%q}]}}}}`, name, stage, name, name, image)
}

// runLabelsJSON is the run's labels as a JSON object, for request bodies: what a
// spec asks a ServiceAccount to create carries the run's label like the rest.
func runLabelsJSON(fw *fixture.Framework) string {
	b, err := json.Marshal(fw.Labels())
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}
