package images

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/inpod/inpod/framework/lines"
)

// docker runs the Docker CLI with a bound and returns trimmed stdout; the error
// carries stderr's last line.
func Docker(ctx context.Context, timeout time.Duration, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, "docker", args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		return "", fmt.Errorf("docker %s: no answer within %s", args[0], timeout)
	}
	if err != nil {
		return "", fmt.Errorf("docker %s: %s", args[0], stderrOr(errb.String(), err))
	}
	return strings.TrimSpace(out.String()), nil
}

// DockerAnswers fails fast with one line when no Docker engine is usable.
func DockerAnswers(ctx context.Context) error {
	if _, err := exec.LookPath("docker"); err != nil {
		return fmt.Errorf("no docker client on PATH (run scripts/docker-prepare.sh as root, or install Docker)")
	}
	if _, err := Docker(ctx, 10*time.Second, "version", "--format", "{{.Server.Version}}"); err != nil {
		return fmt.Errorf("no Docker engine answers (%v); run scripts/docker-prepare.sh as root, or start Docker", err)
	}
	return nil
}

// ImagePresent tells whether the local Docker engine has ref.
func ImagePresent(ctx context.Context, ref string) bool {
	_, err := Docker(ctx, 10*time.Second, "image", "inspect", "--format", "{{.Id}}", ref)
	return err == nil
}

// stderrOr is stderr's last line, or err when stderr is empty.
func stderrOr(stderr string, err error) string {
	if l := lines.Last(stderr); l != "" {
		return l
	}
	return err.Error()
}
