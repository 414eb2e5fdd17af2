// Package verify_test proves an intent file (INPOD_INTENT) against the current
// cluster: for each ServiceAccount it names, probe pods run as that account in
// its namespace and make each request with each client (INPOD_METHODS, default
// all four), and a SubjectAccessReview asks the same; every answer must be the
// intended one. Without INPOD_INTENT the suite has no specs.
package verify_test

import (
	"crypto/sha256"
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/inpod/inpod/framework/config"
	"github.com/inpod/inpod/framework/incluster"
	"github.com/inpod/inpod/framework/intent"
	"github.com/inpod/inpod/framework/report"
	"github.com/inpod/inpod/framework/run"
)

var (
	flags = (&config.Config{}).Bind(flag.CommandLine)
	// suiteRun is filled in once by BeforeSuite; specs reach it only through their
	// container's fixture (fixture.New).
	suiteRun = &run.Run{}

	intentFile *intent.File
	intentErr  error
)

func init() {
	if p := config.Env("INPOD_INTENT"); p != "" {
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
	r, err := run.Setup(ctx, cfg, say)
	if err != nil {
		Fail(err.Error())
	}
	*suiteRun = *r
	r = suiteRun
	say("%s", r.Describe())
	AddReportEntry(report.ClusterEntry, cluster(), ReportEntryVisibilityNever)
}, NodeTimeout(15*time.Minute))

var _ = SynchronizedAfterSuite(func() {}, func(ctx SpecContext) {
	if r := suiteRun; r.Proxy != nil {
		Expect(r.Cleanup(ctx)).To(Succeed(), "cleanup of run %s (objects labelled %s)", r.ID, run.RunSelector(r.ID))
	}
}, NodeTimeout(2*time.Minute))

// In the Job (make job INTENT=...) the verdict is left as the results ConfigMap.
var _ = ReportAfterSuite("results object", func(ctx SpecContext, rep Report) {
	r := suiteRun
	if r.Proxy == nil || r.Config.Provider != config.ProviderInCluster || !r.Provided() {
		return
	}
	report.Publish(ctx, rep, report.PublishInput{Client: r.Proxy.Clientset(), Namespace: incluster.Namespace, Name: incluster.ResultsName,
		Labels: r.Labels(), Cluster: cluster(), Selection: selection(), ReportDir: r.Config.ReportDir, Log: say})
}, NodeTimeout(time.Minute))

// cluster is the run's cluster as the report shows it, with the facts drift
// compares.
func cluster() report.Cluster {
	r := suiteRun
	c := report.Cluster{Name: r.Proxy.Name(), Provider: string(r.Config.Provider), Images: string(r.Images.Mode), RunID: r.ID, Facts: r.Facts.Lines()}
	if v, err := r.Proxy.Clientset().Discovery().ServerVersion(); err == nil {
		c.ServerVersion = v.GitVersion
	}
	return c
}

// selection is what this run verified: the intent file by digest, and the
// clients; a run is compared only with runs of the same.
func selection() string {
	sum := "unread"
	if intentFile != nil {
		if data, err := os.ReadFile(intentFile.Path); err == nil {
			sum = fmt.Sprintf("sha256:%x", sha256.Sum256(data))[:19]
		}
	}
	var clients []string
	for _, m := range methods() {
		clients = append(clients, m.Name())
	}
	return fmt.Sprintf("verify intent %s; clients %s", sum, strings.Join(clients, ","))
}
