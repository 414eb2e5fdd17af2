// Package inpod_test is the conformance suite: every way the guide reaches the API
// from inside a pod, checked on a real cluster. Labels select by method
// (method:curl, method:python, method:go, method:kubectl), by area (smoke, rbac,
// automount, projected-token, troubleshooting) and slow.
package inpod_test

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/inpod/inpod/framework/cluster"
	"github.com/inpod/inpod/framework/clusterinfo"
	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/images"
	"github.com/inpod/inpod/framework/job"
	"github.com/inpod/inpod/framework/netcheck"
	"github.com/inpod/inpod/framework/report"
	"github.com/inpod/inpod/framework/run"
)

var (
	flags = (&config.Config{}).Bind(flag.CommandLine)
	// R is the run every spec works in.
	R *run.Run

	nsMu       sync.Mutex
	namespaces []string // this process's namespaces, dumped when a spec fails
)

func TestInpod(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "inpod")
}

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, "inpod: "+format+"\n", args...) }

// shared is what process 1 hands the other parallel processes.
type shared struct {
	Kubeconfig string
	RunID      string
	Images     images.Set
	Facts      clusterinfo.Facts
}

var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	cfg, err := config.Load(flags, os.Getenv)
	if err == nil {
		err = faults.Validate(cfg.Inject)
	}
	if err != nil {
		Fail(err.Error())
	}
	if len(cfg.Inject) > 0 {
		say("self-check: injecting %v; the specs guarding them must fail", cfg.Inject)
	}
	R, err = run.Setup(ctx, cfg, say)
	if err != nil {
		Fail(err.Error())
	}
	say("%s", R.Describe())
	// Runs killed before their cleanup (SIGKILL, a second Ctrl-C) left labelled
	// objects behind: those older than the TTL go now.
	_, line, err := R.Sweep(ctx, cfg.SweepTTL)
	Expect(err).NotTo(HaveOccurred(), "deleting what earlier runs left behind")
	say("%s", line)
	AddReportEntry(report.ClusterEntry, clusterFacts(ctx), ReportEntryVisibilityNever)
	data, err := json.Marshal(shared{Kubeconfig: R.Proxy.KubeconfigPath(), RunID: R.ID, Images: R.Images, Facts: R.Facts})
	Expect(err).NotTo(HaveOccurred())
	return data
}, func(ctx SpecContext, data []byte) {
	if R != nil {
		return
	}
	var s shared
	Expect(json.Unmarshal(data, &s)).To(Succeed())
	cfg, err := config.Load(flags, os.Getenv)
	Expect(err).NotTo(HaveOccurred())
	cfg.RunID = s.RunID
	var proxy cluster.Proxy
	if s.Kubeconfig == "" {
		proxy, err = cluster.InCluster(ctx, cfg.APITimeout)
	} else {
		proxy, err = cluster.FromKubeconfig(ctx, s.Kubeconfig, "", cfg.APITimeout)
	}
	if err != nil {
		Fail(err.Error())
	}
	R = &run.Run{Config: cfg, Proxy: proxy, Images: s.Images, ID: s.RunID, Facts: s.Facts}
}, NodeTimeout(15*time.Minute))

// newNamespace gives the calling container a namespace for purpose and deletes
// it after (in the Job: the administrator's namespace, cleared of the run's objects).
func newNamespace(ctx context.Context, purpose string) string {
	ns, err := R.AcquireNamespace(ctx, purpose)
	Expect(err).NotTo(HaveOccurred())
	nsMu.Lock()
	namespaces = append(namespaces, ns)
	nsMu.Unlock()
	DeferCleanup(func(ctx SpecContext) {
		Expect(R.ReleaseNamespace(ctx, ns)).To(Succeed())
	})
	return ns
}

var _ = ReportAfterEach(func(ctx SpecContext, rep SpecReport) {
	if !rep.Failed() || R == nil {
		return
	}
	nsMu.Lock()
	nss := append([]string(nil), namespaces...)
	nsMu.Unlock()
	dir := report.SpecDir(R.Config.ReportDir, rep.FullText())
	if err := report.DumpNamespaces(ctx, R.Proxy.Clientset(), dir, nss); err == nil {
		AddReportEntry("dump", dir)
	}
	if netcheck.Cause(rep.Failure.Message) != "" {
		diagnoseOnce.Do(func() { diagnoseConnectivity(ctx, nss) })
	}
}, NodeTimeout(time.Minute))

// diagnoseOnce: the first spec that fails for want of an answer from the API
// server gets the whole path checked once, from a curl pod of the run.
var diagnoseOnce sync.Once

func diagnoseConnectivity(ctx context.Context, nss []string) {
	for _, ns := range nss {
		list, err := R.Proxy.Clientset().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			continue
		}
		for _, p := range list.Items {
			if p.Status.Phase == corev1.PodRunning && len(p.Spec.Containers) == 1 && p.Spec.Containers[0].Image == R.Image("curl") {
				line := netcheck.Diagnose(ctx, R, ns, p.Name)
				say("%s", line)
				AddReportEntry(report.DiagnosisEntry, line)
				return
			}
		}
	}
	say("diagnosis: no running curl pod of this process left to check the path to the API server from")
}

var _ = SynchronizedAfterSuite(func() {}, func(ctx SpecContext) {
	if R == nil {
		return
	}
	// What the containers' DeferCleanups did not reach (they run first) goes
	// here; an error turns the run red.
	Expect(R.Cleanup(ctx)).To(Succeed(), "cleanup of run %s (objects labelled %s)", R.ID, run.RunSelector(R.ID))
}, NodeTimeout(2*time.Minute))

// The in-cluster Job leaves its verdict as a ConfigMap that outlives the pod;
// as a Sonobuoy plugin the suite also hands its JUnit to Sonobuoy's worker.
var _ = ReportAfterSuite("results object", func(ctx SpecContext, rep Report) {
	if R == nil || R.Config.Provider != config.ProviderInCluster || !R.Provided() {
		return
	}
	report.Publish(ctx, rep, report.PublishInput{Client: R.Proxy.Clientset(), Namespace: job.Namespace, Name: job.ResultsName,
		Labels: R.Labels(), Cluster: clusterFacts(ctx), Log: say})
}, NodeTimeout(time.Minute))

var _ = ReportAfterSuite("cluster logs and disposal", func(ctx SpecContext, rep Report) {
	if R == nil || R.Proxy == nil {
		return
	}
	if !rep.SuiteSucceeded {
		dir := R.Config.ReportDir + "/kind-logs"
		if err := R.Proxy.ExportLogs(ctx, dir); err != nil {
			say("export cluster logs: %v", err)
		}
	}
	if err := R.Proxy.Dispose(ctx); err != nil {
		say("dispose of %s: %v", R.Proxy.Name(), err)
	}
}, NodeTimeout(5*time.Minute))

func clusterFacts(ctx context.Context) report.Cluster {
	c := report.Cluster{Name: R.Proxy.Name(), Provider: string(R.Config.Provider), NodeImage: R.Images.Refs["node"],
		Images: string(R.Images.Mode), RunID: R.ID, Profile: R.Config.Profile, Facts: R.Facts.Lines()}
	if v, err := R.Proxy.Clientset().Discovery().ServerVersion(); err == nil {
		c.ServerVersion = v.GitVersion
	}
	if R.Config.Provider != config.ProviderKind {
		c.NodeImage = ""
	}
	return c
}
