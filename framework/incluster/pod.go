package incluster

// The Job's pod: wait for it, stream its output, read its exit, copy its reports out.

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/e2e-framework/klient/wait"

	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/report"
)

func waitPod(ctx context.Context, in Input) (string, error) {
	var name, seen string
	err := wait.For(func(ctx context.Context) (bool, error) {
		list, err := in.Proxy.Clientset().CoreV1().Pods(Namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + JobName})
		if err != nil || len(list.Items) == 0 {
			seen = "no pod yet"
			return false, nil
		}
		p := list.Items[0]
		name = p.Name
		for _, c := range p.Status.ContainerStatuses {
			if w := c.State.Waiting; w != nil && pods.ImageUnavailable(w) {
				return false, fmt.Errorf("image %s cannot be pulled (%s): %s", c.Image, w.Reason, w.Message)
			}
			if c.Name == "suite" && (c.State.Running != nil || c.State.Terminated != nil) {
				return true, nil
			}
		}
		seen = "pod " + string(p.Status.Phase)
		return false, nil
	}, wait.WithContext(ctx), wait.WithTimeout(3*time.Minute), wait.WithInterval(time.Second), wait.WithImmediate())
	if err != nil {
		return "", fmt.Errorf("job: the suite container did not start within 3m (%s): %w", seen, err)
	}
	return name, nil
}

func stream(ctx context.Context, in Input, pod string) {
	req := in.Proxy.Clientset().CoreV1().Pods(Namespace).GetLogs(pod, &corev1.PodLogOptions{Container: "suite", Follow: true})
	rc, err := req.Stream(ctx)
	if err != nil {
		in.Log("job: cannot follow the suite's output: %v", err)
		return
	}
	defer func() { _ = rc.Close() }()
	_, _ = io.Copy(os.Stdout, rc)
}

func waitSuiteExit(ctx context.Context, in Input, pod string) (int, error) {
	code := -1
	err := wait.For(func(ctx context.Context) (bool, error) {
		p, err := in.Proxy.Clientset().CoreV1().Pods(Namespace).Get(ctx, pod, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range p.Status.ContainerStatuses {
			if c.Name == "suite" && c.State.Terminated != nil {
				code = int(c.State.Terminated.ExitCode)
				return true, nil
			}
		}
		return false, nil
	}, wait.WithContext(ctx), wait.WithTimeout(in.Timeout), wait.WithInterval(2*time.Second), wait.WithImmediate())
	if err != nil {
		if ctx.Err() == context.Canceled {
			return 0, errors.New("job: interrupted; everything it created is being deleted")
		}
		return 0, fmt.Errorf("job: the suite did not finish within %s", in.Timeout)
	}
	return code, nil
}

// reportFiles are what collect copies out of the results container;
// optionalReports are copied when the run left them.
var (
	reportFiles     = []string{"junit.xml", "report.json"}
	optionalReports = []string{report.DriftFile}
)

// collect copies the reports out of the results container, then lets it end.
// Where the cluster refuses exec, the results container prints them to its log
// when it ends (manifests/job/job.yaml), and collect reads them from there.
func collect(ctx context.Context, in Input, pod string) error {
	if err := os.MkdirAll(in.ReportDir, 0o755); err != nil {
		return err
	}
	res := in.Proxy.Client().Resources()
	for _, f := range reportFiles {
		var out, errb bytes.Buffer
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := res.ExecInPod(cctx, Namespace, pod, "results", []string{"cat", "/results/" + f}, &out, &errb)
		cancel()
		var refused *pods.Refused
		if errors.As(pods.Admission("exec into pod "+Namespace+"/"+pod, err), &refused) {
			in.Log("job: %s; the reports come from the results container's log once it ends (within 2 minutes)", refused.Once())
			return collectFromLog(ctx, in, pod)
		}
		if err != nil {
			return fmt.Errorf("job: copy %s out of the results container: %v %s", f, err, strings.TrimSpace(errb.String()))
		}
		if err := os.WriteFile(filepath.Join(in.ReportDir, f), out.Bytes(), 0o644); err != nil {
			return err
		}
	}
	for _, f := range optionalReports {
		var out, errb bytes.Buffer
		if res.ExecInPod(ctx, Namespace, pod, "results", []string{"cat", "/results/" + f}, &out, &errb) == nil {
			if err := os.WriteFile(filepath.Join(in.ReportDir, f), out.Bytes(), 0o644); err != nil {
				return err
			}
		}
	}
	var out, errb bytes.Buffer
	return res.ExecInPod(ctx, Namespace, pod, "results", []string{"touch", "/results/collected"}, &out, &errb)
}

// collectFromLog waits for the results container to end and writes the
// reports it printed to its log (ParseReportLog).
func collectFromLog(ctx context.Context, in Input, pod string) error {
	cs := in.Proxy.Clientset()
	err := wait.For(func(ctx context.Context) (bool, error) {
		p, err := cs.CoreV1().Pods(Namespace).Get(ctx, pod, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, c := range p.Status.ContainerStatuses {
			if c.Name == "results" && c.State.Terminated != nil {
				return true, nil
			}
		}
		return false, nil
	}, wait.WithContext(ctx), wait.WithTimeout(4*time.Minute), wait.WithInterval(2*time.Second))
	if err != nil {
		return fmt.Errorf("job: the results container of %s/%s did not end within 4 minutes to print the reports", Namespace, pod)
	}
	raw, err := cs.CoreV1().Pods(Namespace).GetLogs(pod, &corev1.PodLogOptions{Container: "results"}).DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("job: read the results container's log: %w", err)
	}
	files, err := ParseReportLog(string(raw))
	if err != nil {
		return err
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(in.ReportDir, name), body, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ParseReportLog reads the reports the results container printed: each after a
// line "@@inpod-file NAME", base64. Every one of reportFiles must be there whole.
func ParseReportLog(log string) (map[string][]byte, error) {
	files := map[string][]byte{}
	var name string
	var b64 strings.Builder
	flush := func() error {
		if name == "" {
			return nil
		}
		body, err := base64.StdEncoding.DecodeString(b64.String())
		if err != nil {
			return fmt.Errorf("job: %s in the results container's log is cut or not base64: %w", name, err)
		}
		files[name] = body
		return nil
	}
	for _, l := range strings.Split(log, "\n") {
		if f, ok := strings.CutPrefix(l, "@@inpod-file "); ok {
			if err := flush(); err != nil {
				return nil, err
			}
			name = strings.TrimSpace(f)
			b64.Reset()
			continue
		}
		if name != "" {
			b64.WriteString(strings.TrimSpace(l))
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	for _, f := range reportFiles {
		if _, ok := files[f]; !ok {
			return nil, fmt.Errorf("job: the results container's log holds no %s", f)
		}
	}
	return files, nil
}
