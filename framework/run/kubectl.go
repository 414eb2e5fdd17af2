package run

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/inpod/inpod/framework/config"
)

// KubectlBinary is the kubectl the project builds for the run's Kubernetes
// version ($INPOD_CACHE/bin/<version>/kubernetes/kubectl, as scripts/lib-kube.sh
// uses it), else the one on PATH.
func (r *Run) KubectlBinary() (string, error) {
	cache := config.CacheDir()
	if cache != "" {
		p := filepath.Join(cache, "bin", r.Config.K8sVersion, "kubernetes", "kubectl")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	p, err := exec.LookPath("kubectl")
	if err != nil {
		return "", fmt.Errorf("no kubectl: neither %s/bin/%s/kubernetes/kubectl nor one on PATH", cache, r.Config.K8sVersion)
	}
	return p, nil
}

// KubectlResult is one host-side kubectl command's outcome.
type KubectlResult struct {
	Command        string
	Stdout, Stderr string
	ExitCode       int
}

// Kubectl runs the project's kubectl on the host against the run's cluster
// (its kubeconfig), bounded by the API timeout. The error is for kubectl not
// running at all; a non-zero exit is in the result.
func (r *Run) Kubectl(ctx context.Context, args ...string) (KubectlResult, error) {
	bin, err := r.KubectlBinary()
	if err != nil {
		return KubectlResult{}, err
	}
	kc := r.Proxy.KubeconfigPath()
	if kc == "" {
		return KubectlResult{}, errors.New("the run has no kubeconfig (in-cluster) for a host-side kubectl")
	}
	cctx, cancel := r.Ctx(ctx)
	defer cancel()
	cmd := exec.CommandContext(cctx, bin, args...)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+kc)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	res := KubectlResult{Command: fmt.Sprintf("kubectl %q", args)}
	err = cmd.Run()
	res.Stdout, res.Stderr = out.String(), errb.String()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
	case err != nil:
		return res, fmt.Errorf("run %s: %w", bin, err)
	}
	return res, nil
}
