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
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/inpod/inpod/framework/clusterinfo"
	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/faults"
	"github.com/inpod/inpod/framework/fixture"
	"github.com/inpod/inpod/framework/images"
	"github.com/inpod/inpod/framework/incluster"
	"github.com/inpod/inpod/framework/provider"
	"github.com/inpod/inpod/framework/report"
	"github.com/inpod/inpod/framework/run"
)

var (
	flags = (&config.Config{}).Bind(flag.CommandLine)
	// suiteRun is filled in once per process by SynchronizedBeforeSuite; specs reach
	// it only through their container's fixture (newFramework).
	suiteRun = &run.Run{}
)

// newFramework is called in a container's body: the container's own fixture,
// which owns the namespaces it makes and dumps them when one of its specs fails.
func newFramework() *fixture.Framework { return fixture.New(suiteRun, say) }

// setUp reports whether SynchronizedBeforeSuite filled in the run.
func setUp() bool { return suiteRun.Proxy != nil }

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
	r, err := run.Setup(ctx, cfg, say)
	if err != nil {
		Fail(err.Error())
	}
	*suiteRun = *r
	r = suiteRun
	faults.Install(r)
	say("%s", r.Describe())
	// Runs killed before their cleanup (SIGKILL, a second Ctrl-C) left labelled
	// objects behind: those older than the TTL go now.
	_, line, err := r.Sweep(ctx, cfg.SweepTTL)
	Expect(err).NotTo(HaveOccurred(), "deleting what earlier runs left behind")
	say("%s", line)
	AddReportEntry(report.ClusterEntry, clusterFacts(ctx), ReportEntryVisibilityNever)
	data, err := json.Marshal(shared{Kubeconfig: r.Proxy.KubeconfigPath(), RunID: r.ID, Images: r.Images, Facts: r.Facts})
	Expect(err).NotTo(HaveOccurred())
	return data
}, func(ctx SpecContext, data []byte) {
	if setUp() {
		return
	}
	var s shared
	Expect(json.Unmarshal(data, &s)).To(Succeed())
	cfg, err := config.Load(flags, os.Getenv)
	Expect(err).NotTo(HaveOccurred())
	cfg.RunID = s.RunID
	var proxy provider.Proxy
	if s.Kubeconfig == "" {
		proxy, err = provider.InCluster(ctx, cfg.APITimeout)
	} else {
		proxy, err = provider.FromKubeconfig(ctx, s.Kubeconfig, "", cfg.APITimeout)
	}
	if err != nil {
		Fail(err.Error())
	}
	*suiteRun = run.Run{Config: cfg, Proxy: proxy, Images: s.Images, ID: s.RunID, Facts: s.Facts}
	faults.Install(suiteRun)
}, NodeTimeout(15*time.Minute))

var _ = SynchronizedAfterSuite(func() {}, func(ctx SpecContext) {
	if !setUp() {
		return
	}
	r := suiteRun
	// What the containers' DeferCleanups did not reach (they run first) goes
	// here; an error turns the run red.
	Expect(r.Cleanup(ctx)).To(Succeed(), "cleanup of run %s (objects labelled %s)", r.ID, run.RunSelector(r.ID))
}, NodeTimeout(2*time.Minute))

// The in-cluster Job leaves its verdict as a ConfigMap that outlives the pod;
// as a Sonobuoy plugin the suite also hands its JUnit to Sonobuoy's worker.
var _ = ReportAfterSuite("results object", func(ctx SpecContext, rep Report) {
	r := suiteRun
	if !setUp() || r.Config.Provider != config.ProviderInCluster || !r.Provided() {
		return
	}
	report.Publish(ctx, rep, report.PublishInput{Client: r.Proxy.Clientset(), Namespace: incluster.Namespace, Name: incluster.ResultsName,
		Labels: r.Labels(), Cluster: clusterFacts(ctx), Selection: "guide suite; labels " + GinkgoLabelFilter(), ReportDir: r.Config.ReportDir, Log: say})
}, NodeTimeout(time.Minute))

var _ = ReportAfterSuite("cluster logs and disposal", func(ctx SpecContext, rep Report) {
	r := suiteRun
	if !setUp() {
		return
	}
	if !rep.SuiteSucceeded {
		dir := r.Config.ReportDir + "/kind-logs"
		if err := r.Proxy.ExportLogs(ctx, dir); err != nil {
			say("export cluster logs: %v", err)
		}
	}
	if err := r.Proxy.Dispose(ctx); err != nil {
		say("dispose of %s: %v", r.Proxy.Name(), err)
	}
}, NodeTimeout(5*time.Minute))

func clusterFacts(ctx context.Context) report.Cluster {
	r := suiteRun
	c := report.Cluster{Name: r.Proxy.Name(), Provider: string(r.Config.Provider), NodeImage: r.Images.Refs["node"],
		Images: string(r.Images.Mode), RunID: r.ID, Profile: r.Config.Profile, Facts: r.Facts.Lines()}
	if v, err := r.Proxy.Clientset().Discovery().ServerVersion(); err == nil {
		c.ServerVersion = v.GitVersion
	}
	if r.Config.Provider != config.ProviderKind {
		c.NodeImage = ""
	}
	return c
}
