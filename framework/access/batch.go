package access

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/inpod/inpod/framework/rbac"

	"github.com/inpod/inpod/framework/lines"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/run"
)

// Answer is one request's outcome in a batch, or why the batch gave none.
type Answer struct {
	Outcome Outcome
	Err     error
}

// perRequest bounds one request inside a batch exec: the probes' own limit
// (curl --max-time 20, the clients' 20 s timeouts) and some room.
const perRequest = 25 * time.Second

func batchExec(ctx context.Context, r *run.Run, t Target, n int, cmd ...string) (pods.ExecResult, error) {
	return pods.ExecWithin(ctx, r, r.Config.APITimeout+time.Duration(n)*perRequest, t.Namespace, t.Pod, cmd...)
}

// batchMark frames each request's output in a shell batch, on stdout and stderr alike.
const batchMark = "@@inpod-request"

var (
	stdoutSection = regexp.MustCompile(`(?s)` + batchMark + ` (\d+)\n(.*?)\n` + batchMark + `-exit (\d+)\n`)
	stderrSection = regexp.MustCompile(batchMark + ` (\d+)\n`)
)

// shellBatch runs preamble and then each command in its own subshell, in one sh -c,
// and reads each command's output and exit code back with parse.
func shellBatch(ctx context.Context, r *run.Run, t Target, qs []rbac.Request, preamble string, cmds []string, parse func(rbac.Request, pods.ExecResult) Outcome) []Answer {
	results, errs := RunScripts(ctx, r, t, preamble, cmds)
	answers := make([]Answer, len(qs))
	for i := range qs {
		if answers[i].Err = errs[i]; errs[i] == nil {
			answers[i].Outcome = parse(qs[i], results[i])
		}
	}
	return answers
}

// RunScripts runs preamble and then each script in its own subshell, one after
// another in one exec, and gives each script its own stdout, stderr and exit
// code; errs[i] says why script i has none.
func RunScripts(ctx context.Context, r *run.Run, t Target, preamble string, scripts []string) (results []pods.ExecResult, errs []error) {
	res, err := batchExec(ctx, r, t, len(scripts), "sh", "-c", shellBatchScript(preamble, scripts))
	results, got := splitShellBatch(len(scripts), res)
	return results, missing(got, err, res)
}

// RunReadOnlyScripts is RunScripts for scripts that change nothing (kubectl auth
// can-i, reads): those left unanswered by a stream that ended early run once more,
// in a second exec; again[i] says that script's result is from the second.
func RunReadOnlyScripts(ctx context.Context, r *run.Run, t Target, preamble string, scripts []string) (results []pods.ExecResult, errs []error, again []bool) {
	results, errs = RunScripts(ctx, r, t, preamble, scripts)
	again = askAgain(scripts, errs, func(string) bool { return true }, func(idx []int, retry []string) []error {
		res, errs := RunScripts(ctx, r, t, preamble, retry)
		for k, i := range idx {
			results[i] = res[k]
		}
		return errs
	})
	return results, errs, again
}

// askAgain finds the items a cut stream left unanswered (errs[i] is cutShort) that
// may be made again, calls redo with their indexes and the items (one second
// exec; redo stores its own answers), puts redo's errors in errs and says which
// items were made again.
func askAgain[Q any](items []Q, errs []error, repeatable func(Q) bool, redo func(idx []int, retry []Q) []error) []bool {
	again := make([]bool, len(items))
	var idx []int
	var retry []Q
	for i, err := range errs {
		if _, cut := err.(cutShort); cut && repeatable(items[i]) {
			again[i], idx, retry = true, append(idx, i), append(retry, items[i])
		}
	}
	if len(retry) == 0 {
		return again
	}
	for k, err := range redo(idx, retry) {
		errs[idx[k]] = err
	}
	return again
}

// shellBatchScript frames each command's stdout and stderr with its index, and its
// exit code after its stdout.
func shellBatchScript(preamble string, cmds []string) string {
	var script strings.Builder
	script.WriteString(preamble)
	for i, c := range cmds {
		fmt.Fprintf(&script, "echo '%[1]s %[2]d'; echo '%[1]s %[2]d' >&2\n(%[3]s)\nrc=$?; echo; echo \"%[1]s-exit $rc\"\n", batchMark, i, c)
	}
	return script.String()
}

// splitShellBatch splits a shell batch's output back into one result per script.
func splitShellBatch(n int, res pods.ExecResult) ([]pods.ExecResult, []bool) {
	results := make([]pods.ExecResult, n)
	got := make([]bool, n)
	stderr := map[int]string{}
	idx := stderrSection.FindAllStringSubmatchIndex(res.Stderr, -1)
	// What the preamble said (e.g. cat: .../token: No such file or directory)
	// belongs to every command run after it.
	preamble := res.Stderr
	if len(idx) > 0 {
		preamble = res.Stderr[:idx[0][0]]
	}
	for k, m := range idx {
		i, _ := strconv.Atoi(res.Stderr[m[2]:m[3]])
		end := len(res.Stderr)
		if k+1 < len(idx) {
			end = idx[k+1][0]
		}
		stderr[i] = res.Stderr[m[1]:end]
	}
	for _, m := range stdoutSection.FindAllStringSubmatch(res.Stdout, -1) {
		i, _ := strconv.Atoi(m[1])
		code, _ := strconv.Atoi(m[3])
		if i < n {
			results[i] = pods.ExecResult{Stdout: m[2], Stderr: preamble + stderr[i], ExitCode: code}
			got[i] = true
		}
	}
	return results, got
}

// probeBatch runs a request probe's batch mode (manifests/probes): one JSON line per request.
func probeBatch(ctx context.Context, r *run.Run, t Target, method string, qs []rbac.Request, probe ...string) []Answer {
	cmd := append(probe, "batch")
	for _, q := range qs {
		cmd = append(cmd, q.HTTPMethod(), q.URL(), q.Body)
	}
	res, err := batchExec(ctx, r, t, len(qs), cmd...)
	answers := make([]Answer, len(qs))
	got := make([]bool, len(qs))
	for i, l := range strings.Split(strings.TrimRight(res.Stdout, "\n"), "\n") {
		if i < len(qs) && json.Valid([]byte(l)) { // a line cut short is no answer
			answers[i].Outcome = parseJSONProbe(method, qs[i], pods.ExecResult{Stdout: l, Stderr: res.Stderr, ExitCode: res.ExitCode})
			got[i] = true
		}
	}
	for i, err := range missing(got, err, res) {
		answers[i].Err = err
	}
	return answers
}

// missing says, for each request the batch did not answer, why: the exec's
// error, or how the batch ended.
func missing(got []bool, err error, res pods.ExecResult) []error {
	errs := make([]error, len(got))
	for i, g := range got {
		switch {
		case g:
		case err != nil:
			errs[i] = err
		default:
			errs[i] = cutShort{fmt.Sprintf("the batch exec ended (exit %d) before answering request %d: %s", res.ExitCode, i+1,
				lines.Clip(lines.LastN(res.Stderr, 3)+lines.LastN(res.Stdout, 3), 400))}
		}
	}
	return errs
}

// cutShort is a request a batch exec did not answer although the exec itself
// reported no error: its output stream ended early (seen on a loaded node).
type cutShort struct{ msg string }

func (c cutShort) Error() string { return c.msg }

// idempotent requests may be made again: reads, and writes with dryRun=All.
func idempotent(q rbac.Request) bool { return q.HTTPMethod() == "GET" || q.DryRun }

// Batch gathers the requests a container's specs make from its probe pods so that
// each pod makes all of its requests in one exec, in the order they were added,
// instead of one exec each: an exec is a round trip through the API server and,
// for the Python client, an interpreter start. Specs add their requests while the
// tree is built; the container's BeforeAll runs the batch; each spec then asserts
// its own request's outcome and names the exec that produced it.
// A batch makes every request its container declares, also those of specs a
// label filter leaves out; they stay inside the container's own namespaces.
type Batch struct {
	Method  Method
	mu      sync.Mutex
	planned []*Planned
}

// Planned is one request of a Batch.
type Planned struct {
	Account string // the key of the probe pod that makes it
	build   func() (rbac.Request, error)
	answer  Answer
	exec    string
	ran     bool
}

// Add plans a request of the probe pod for account; build is called when the
// batch runs, once the fixture it reads exists.
func (b *Batch) Add(account string, build func() (rbac.Request, error)) *Planned {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := &Planned{Account: account, build: build}
	b.planned = append(b.planned, p)
	return p
}

// Run makes every planned request: one exec per probe pod, the pods at once.
func (b *Batch) Run(ctx context.Context, r *run.Run, targets map[string]Target) {
	b.mu.Lock()
	defer b.mu.Unlock()
	byAccount := map[string][]*Planned{}
	var order []string
	for _, p := range b.planned {
		p.ran, p.answer, p.exec = true, Answer{}, ""
		if _, ok := byAccount[p.Account]; !ok {
			order = append(order, p.Account)
		}
		byAccount[p.Account] = append(byAccount[p.Account], p)
	}
	var wg sync.WaitGroup
	for n, account := range order {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.runOne(ctx, r, targets, account, byAccount[account], fmt.Sprintf("exec %d of %d", n+1, len(order)))
		}()
	}
	wg.Wait()
}

func (b *Batch) runOne(ctx context.Context, r *run.Run, targets map[string]Target, account string, planned []*Planned, name string) {
	t, ok := targets[account]
	var qs []rbac.Request
	var made []*Planned
	for _, p := range planned {
		q, err := p.build()
		switch {
		case !ok:
			p.answer.Err = fmt.Errorf("no probe pod for %s", account)
		case err != nil:
			p.answer.Err = err
		default:
			qs = append(qs, q)
			made = append(made, p)
		}
	}
	if len(qs) == 0 {
		return
	}
	start := time.Now()
	answers := b.Method.DoAll(ctx, r, t, qs)
	// A stream that ended early: the unanswered requests, if each may be made
	// again, go once more in a second exec; any other keeps its error.
	errs := make([]error, len(answers))
	for i, a := range answers {
		errs[i] = a.Err
	}
	retried := askAgain(qs, errs, idempotent, func(idx []int, retry []rbac.Request) []error {
		second := b.Method.DoAll(ctx, r, t, retry)
		out := make([]error, len(idx))
		for k, i := range idx {
			answers[i], out[k] = second[k], second[k].Err
		}
		return out
	})
	var policies *string // read once, for the first outcome without an HTTP answer
	for i, p := range made {
		p.answer = answers[i]
		if p.answer.Err == nil && p.answer.Outcome.ConnError != "" {
			if policies == nil {
				np := EgressPolicies(ctx, r, t)
				policies = &np
			}
			p.answer.Outcome.ConnError += *policies
		}
		p.exec = fmt.Sprintf("%s: request %d of %d made by %s in pod %s/%s, started %s, took %s",
			name, i+1, len(qs), b.Method.Name(), t.Namespace, t.Pod, start.Format("15:04:05.000"), time.Since(start).Round(time.Millisecond))
		if retried[i] {
			p.exec += " (made again in a second exec: the first one's output ended before its answer)"
		}
	}
}

// Result is the request's outcome and the exec that produced it; the error is
// for a request the batch could not make or answer.
func (p *Planned) Result() (Outcome, string, error) {
	if !p.ran {
		return Outcome{}, "", fmt.Errorf("the batch holding this request never ran (its container's BeforeAll failed or did not run it)")
	}
	return p.answer.Outcome, p.exec, p.answer.Err
}
