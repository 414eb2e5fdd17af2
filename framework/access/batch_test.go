package access

import (
	"bytes"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/inpod/inpod/framework/rbac"

	"github.com/inpod/inpod/framework/pods"
)

// runLocally runs a shell batch with this machine's sh, as the probe pod would.
func runLocally(t *testing.T, script string) pods.ExecResult {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command("sh", "-c", script)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	res := pods.ExecResult{Stdout: out.String(), Stderr: errb.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		res.ExitCode = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return res
}

// Each command's stdout, stderr and exit code reach its own request, in order,
// whatever the commands before it did: a refusal, a failure, an exit.
func TestShellBatchKeepsEachRequestsOwnAnswer(t *testing.T) {
	qs := []rbac.Request{
		{Verb: "list", Resource: "pods", Namespace: "a"},
		{Verb: "get", Resource: "secrets", Namespace: "a", Name: "s"},
		{Verb: "list", Resource: "pods", Namespace: "b"},
		{Verb: "create", Group: "apps", Resource: "deployments", Namespace: "a"},
	}
	cmds := []string{
		`printf '{"kind":"PodList","items":[]}\n200'`,
		`printf '{"kind":"Status","reason":"Forbidden","message":"secrets \"s\" is forbidden"}\n403'`,
		`echo 'curl: (7) Failed to connect to kubernetes.default.svc port 443' >&2; exit 7`,
		`printf '{"kind":"Deployment"}\n201'`,
	}
	res := runLocally(t, shellBatchScript("", cmds))
	results, got := splitShellBatch(len(cmds), res)
	answers := make([]Answer, len(qs))
	for i, g := range got {
		if !g {
			t.Fatalf("request %d has no answer; stdout %q stderr %q", i, res.Stdout, res.Stderr)
		}
		answers[i].Outcome = ParseCurl(qs[i], results[i])
	}
	if o := answers[0].Outcome; o.Code != 200 || !strings.Contains(o.Body, "PodList") {
		t.Errorf("request 1: %v body %q", o, o.Body)
	}
	if o := answers[1].Outcome; o.Code != 403 || o.Reason != "Forbidden" || !strings.Contains(o.Message, `secrets "s"`) {
		t.Errorf("request 2: %v", o)
	}
	if o := answers[2].Outcome; o.Code != 0 || !strings.Contains(o.ConnError, "curl exit 7") || !strings.Contains(o.ConnError, "Failed to connect") {
		t.Errorf("request 3: %v", o)
	}
	if o := answers[3].Outcome; o.Code != 201 || strings.Contains(o.ConnError+o.Message, "Failed") {
		t.Errorf("request 4 carries another request's answer: %v", o)
	}
}

// A batch cut short answers the requests it reached and says so for the rest.
func TestShellBatchCutShortNamesTheUnanswered(t *testing.T) {
	q := rbac.Request{Verb: "list", Resource: "pods"}
	res := runLocally(t, shellBatchScript("", []string{`printf 'x\n200'`, `printf y`}))
	res.Stdout = res.Stdout[:strings.LastIndex(res.Stdout, batchMark+"-exit")] // the exec died mid-way
	results, got := splitShellBatch(2, res)
	errs := missing(got, nil, res)
	if o := ParseCurl(q, results[0]); errs[0] != nil || o.Code != 200 {
		t.Errorf("request 1: %v %v", o, errs[0])
	}
	if errs[1] == nil || !strings.Contains(errs[1].Error(), "before answering request 2") {
		t.Errorf("request 2: %v", errs[1])
	}
}

// The preamble's complaints (a token file that is not there) reach every request.
func TestShellBatchPreambleStderrReachesEachRequest(t *testing.T) {
	q := rbac.Request{Verb: "list", Resource: "pods"}
	res := runLocally(t, shellBatchScript("TOKEN=$(cat /nonexistent/token)\n", []string{`exit 77`, `exit 77`}))
	results, got := splitShellBatch(2, res)
	for i := range results {
		o := ParseCurl(q, results[i])
		if !got[i] || !strings.Contains(o.ConnError, "/nonexistent/token") || !strings.Contains(o.ConnError, "curl exit 77") {
			t.Errorf("request %d: %v", i+1, o)
		}
	}
}

func TestAskAgainRedoesOnlyCutRepeatableItems(t *testing.T) {
	items := []string{"read-cut", "write-cut", "read-ok", "read-failed", "read-cut-2"}
	failed := errors.New("exec failed")
	errs := []error{cutShort{"cut"}, cutShort{"cut"}, nil, failed, cutShort{"cut"}}
	repeatable := func(q string) bool { return strings.HasPrefix(q, "read") }
	var gotIdx []int
	var gotRetry []string
	again := askAgain(items, errs, repeatable, func(idx []int, retry []string) []error {
		gotIdx, gotRetry = idx, retry
		return []error{nil, cutShort{"cut again"}}
	})
	if want := []int{0, 4}; !slices.Equal(gotIdx, want) {
		t.Fatalf("redo got indexes %v, want %v", gotIdx, want)
	}
	if want := []string{"read-cut", "read-cut-2"}; !slices.Equal(gotRetry, want) {
		t.Fatalf("redo got items %v, want %v", gotRetry, want)
	}
	if want := []bool{true, false, false, false, true}; !slices.Equal(again, want) {
		t.Fatalf("again = %v, want %v", again, want)
	}
	if errs[0] != nil || errs[3] != failed {
		t.Fatalf("errs[0] = %v (want nil: answered the second time), errs[3] = %v (want untouched)", errs[0], errs[3])
	}
	if _, cut := errs[1].(cutShort); !cut {
		t.Fatalf("a cut write must keep its error, got %v", errs[1])
	}
	if _, cut := errs[4].(cutShort); !cut {
		t.Fatalf("a second cut must be reported, got %v", errs[4])
	}
}

func TestAskAgainWithNothingCutCallsNoRedo(t *testing.T) {
	again := askAgain([]string{"a"}, []error{nil}, func(string) bool { return true }, func([]int, []string) []error {
		t.Fatal("redo called although nothing was cut")
		return nil
	})
	if again[0] {
		t.Fatal("again[0] set although nothing was cut")
	}
}
