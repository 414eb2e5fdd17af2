// Package verify_test proves an intent file (INPOD_INTENT) against the current
// cluster: for each ServiceAccount it names, probe pods run as that account in
// its namespace and make each request with each client (INPOD_METHODS, default
// all four), and a SubjectAccessReview asks the same; every answer must be the
// intended one. Without INPOD_INTENT the suite has no specs.
package verify_test

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/intent"
	"github.com/inpod/inpod/framework/job"
	"github.com/inpod/inpod/framework/report"
	"github.com/inpod/inpod/framework/run"
)

var (
	flags = (&config.Config{}).Bind(flag.CommandLine)
	// R is the run the specs work in.
	R *run.Run

	intentFile *intent.File
	intentErr  error
)

func init() {
	if p := os.Getenv("INPOD_INTENT"); p != "" {
		intentFile, intentErr = intent.Load(p)
	}
}

func TestVerify(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "inpod verify")
}

func say(format string, args ...any) { fmt.Fprintf(os.Stderr, "inpod verify: "+format+"\n", args...) }

var _ = BeforeSuite(func(ctx SpecContext) {
	cfg, err := config.Load(flags, os.Getenv)
	if err != nil {
		Fail(err.Error())
	}
	R, err = run.Setup(ctx, cfg, say)
	if err != nil {
		Fail(err.Error())
	}
	say("%s", R.Describe())
	c := report.Cluster{Name: R.Proxy.Name(), Provider: string(R.Config.Provider), Images: string(R.Images.Mode), RunID: R.ID}
	if v, err := R.Proxy.Clientset().Discovery().ServerVersion(); err == nil {
		c.ServerVersion = v.GitVersion
	}
	AddReportEntry(report.ClusterEntry, c, ReportEntryVisibilityNever)
}, NodeTimeout(15*time.Minute))

var _ = SynchronizedAfterSuite(func() {}, func(ctx SpecContext) {
	if R != nil {
		Expect(R.Cleanup(ctx)).To(Succeed(), "cleanup of run %s (objects labelled %s)", R.ID, run.RunSelector(R.ID))
	}
}, NodeTimeout(2*time.Minute))

// In the Job (make job INTENT=...) the verdict is left as the results ConfigMap.
var _ = ReportAfterSuite("results object", func(ctx SpecContext, rep Report) {
	if R == nil || R.Config.Provider != config.ProviderInCluster || !R.Provided() {
		return
	}
	c := report.Cluster{Name: R.Proxy.Name(), Provider: string(R.Config.Provider), Images: string(R.Images.Mode), RunID: R.ID}
	report.Publish(ctx, rep, report.PublishInput{Client: R.Proxy.Clientset(), Namespace: job.Namespace, Name: job.ResultsName,
		Labels: R.Labels(), Cluster: c, Log: say})
}, NodeTimeout(time.Minute))
