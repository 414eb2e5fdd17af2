package incluster

import (
	"context"
	"strings"
	"testing"

	"github.com/inpod/inpod/framework/intent"
	"sigs.k8s.io/yaml"
)

const dig = "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

func TestReleaseManifestPinsEveryImage(t *testing.T) {
	out, err := ReleaseManifest(ReleaseInput{
		Version: "v0.1.0", SuiteImage: "ghcr.io/inpod/suite:v0.1.0" + dig, ResultsImage: "ghcr.io/inpod/kubectl:v0.1.0" + dig,
		ProbeImages: map[string]string{"curl": "docker.io/curlimages/curl:8.16.0" + dig},
	})
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(out), "\n---\n")
	kinds := map[string]int{}
	for _, d := range docs[1:] {
		var m struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
		}
		if err := yaml.Unmarshal([]byte(d), &m); err != nil || m.APIVersion == "" || m.Kind == "" {
			t.Fatalf("a document without apiVersion/kind (%v):\n%s", err, d)
		}
		kinds[m.Kind]++
	}
	if kinds["Job"] != 1 || kinds["Namespace"] == 0 || kinds["ClusterRole"] == 0 {
		t.Errorf("kinds %v", kinds)
	}
	s := string(out)
	for _, want := range []string{"image: ghcr.io/inpod/suite:v0.1.0" + dig, "image: ghcr.io/inpod/kubectl:v0.1.0" + dig,
		"name: CURL_IMAGE\n          value: docker.io/curlimages/curl:8.16.0" + dig, "value: published"} {
		if !strings.Contains(s, want) {
			t.Errorf("the manifest lacks %q", want)
		}
	}
	if strings.Contains(s, "image: inpod/") || strings.Contains(s, "status:") || strings.Contains(s, "creationTimestamp") {
		t.Errorf("unpinned image or runtime fields left in:\n%s", s)
	}
}

func TestReleaseManifestRefusesATag(t *testing.T) {
	_, err := ReleaseManifest(ReleaseInput{SuiteImage: "ghcr.io/inpod/suite:v0.1.0", ResultsImage: "x" + dig})
	if err == nil || !strings.Contains(err.Error(), "suite image: ghcr.io/inpod/suite:v0.1.0 is not pinned by digest") {
		t.Errorf("got %v", err)
	}
}

func TestCronJobManifestRunsTheJobOnItsSchedule(t *testing.T) {
	in := ReleaseInput{Version: "v0.1.0", Schedule: "*/5 * * * *", SuiteImage: "ghcr.io/inpod/suite:v0.1.0" + dig, ResultsImage: "ghcr.io/inpod/kubectl:v0.1.0" + dig,
		ProbeImages: map[string]string{"curl": "docker.io/curlimages/curl:8.16.0" + dig}}
	out, err := ReleaseManifest(in)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	if strings.Contains(s, "\nkind: Job\n") || !strings.Contains(s, "\nkind: CronJob\n") {
		t.Fatal("want a CronJob in place of the Job")
	}
	for _, want := range []string{"schedule: '*/5 * * * *'", "concurrencyPolicy: Forbid", "startingDeadlineSeconds: 600",
		"successfulJobsHistoryLimit: 3", "failedJobsHistoryLimit: 3", "jobTemplate:", "serviceAccountName: inpod-runner",
		"image: ghcr.io/inpod/suite:v0.1.0" + dig, "name: WAIT_TICKS\n              value: \"5\""} {
		if !strings.Contains(s, want) {
			t.Errorf("the CronJob asset lacks %q", want)
		}
	}
	if strings.Contains(s, "creationTimestamp") {
		t.Error("creationTimestamp left in the asset")
	}
	for _, bad := range []string{"every day", "* * * *", "61 * * * * *", "*/5 * * * ?"} {
		in.Schedule = bad
		if _, err := ReleaseManifest(in); err == nil || strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "schedule") {
			t.Errorf("schedule %q: %v", bad, err)
		}
	}
}

func TestIntentAssetVerifiesTheFileOnTheAssetsImages(t *testing.T) {
	rel := ReleaseInput{Version: "v0.1.0", Schedule: "17 */6 * * *", SuiteImage: "ghcr.io/inpod/suite:v0.1.0" + dig, ResultsImage: "ghcr.io/inpod/kubectl:v0.1.0" + dig,
		ProbeImages: map[string]string{"curl": "docker.io/curlimages/curl:8.16.0" + dig}}
	asset, err := ReleaseManifest(rel)
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("apiVersion: inpod.io/v1alpha1\nkind: AccessIntent\naccounts:\n- serviceAccount: shop/api\n  deny:\n  - {verb: list, resource: secrets}\n")
	f, err := intent.Parse("shop.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	in := IntentAssetInput{Asset: asset, Intent: IntentInput{File: f, Data: data, Methods: "curl"}, Schedule: "*/2 * * * *", Keep: 2}
	out, err := IntentAsset(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	cron := strings.Index(s, "\nkind: CronJob\n")
	for _, want := range []string{"\nkind: ConfigMap\n", "name: " + IntentConfigMap, "\nkind: RoleBinding\n", "namespace: shop", "name: " + IntentReads} {
		if i := strings.Index(s, want); i < 0 || i > cron {
			t.Errorf("%q not before the CronJob", want)
		}
	}
	for _, want := range []string{"schedule: '*/2 * * * *'", "- " + verifyBin, "value: /intent/intent.yaml", "name: INPOD_HISTORY_KEEP\n              value: \"2\"",
		"image: ghcr.io/inpod/suite:v0.1.0" + dig, "the verify suite, on the schedule \"*/2 * * * *\""} {
		if !strings.Contains(s, want) {
			t.Errorf("the intent asset lacks %q", want)
		}
	}
	// bad input: one line each
	job, _ := ReleaseManifest(ReleaseInput{Version: "v0.1.0", SuiteImage: rel.SuiteImage, ResultsImage: rel.ResultsImage, ProbeImages: rel.ProbeImages})
	def, _ := intent.Parse("d.yaml", []byte(strings.ReplaceAll(string(data), "shop/api", "default/api")))
	for what, bad := range map[string]IntentAssetInput{
		"a schedule for the Job": {Asset: job, Intent: in.Intent, Schedule: "* * * * *"},
		"an account in default":  {Asset: asset, Intent: IntentInput{File: def, Data: data}},
		"no workload":            {Asset: []byte("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n"), Intent: in.Intent},
		"a bad schedule":         {Asset: asset, Intent: in.Intent, Schedule: "often"},
	} {
		if _, err := IntentAsset(context.Background(), bad); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: %v", what, err)
		}
	}
}
