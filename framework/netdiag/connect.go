package netdiag

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/run"
)

// ConnectTimeoutSeconds bounds the TCP connect; MaxTimeSeconds the whole request.
const (
	ConnectTimeoutSeconds = 3
	MaxTimeSeconds        = 10
)

// Connection is what one curl from a pod saw.
type Connection struct {
	URL     string
	Code    int     // HTTP status when a connection was made
	Failure Failure // "" when a connection was made
	Detail  string  // curl's exit code and message
	Took    time.Duration
}

// Connected tells whether a TCP (and TLS) connection was made and answered.
func (c Connection) Connected() bool { return c.Failure == "" }

func (c Connection) String() string {
	if c.Connected() {
		return fmt.Sprintf("%s: HTTP %d after %s", c.URL, c.Code, c.Took.Round(time.Millisecond))
	}
	return fmt.Sprintf("%s: %s after %s (%s)", c.URL, c.Failure, c.Took.Round(time.Millisecond), c.Detail)
}

// Connect runs one bounded curl (certificate not checked, no token) in pod
// ns/pod against url.
func Connect(ctx context.Context, r *run.Run, ns, pod, url string) (Connection, error) {
	start := time.Now()
	// -v: curl 7.88's error line says "Couldn't connect to server" for every
	// failed connect; only its verbose lines carry the socket error.
	res, err := pods.Exec(ctx, r, ns, pod, "curl", "-sSkv", "-o", "/dev/null", "-w", "%{http_code}",
		"--connect-timeout", strconv.Itoa(ConnectTimeoutSeconds), "--max-time", strconv.Itoa(MaxTimeSeconds), url)
	if err != nil {
		return Connection{}, err
	}
	c := Classify(res)
	c.URL, c.Took = url, time.Since(start)
	return c, nil
}

// Classify reads curl's exit code and its verbose connect lines (curl 7.88's
// wording).
func Classify(res pods.ExecResult) Connection {
	var lines []string
	for _, l := range strings.Split(res.Stderr, "\n") {
		if strings.HasPrefix(l, "curl: (") || strings.Contains(l, "connect to ") || strings.Contains(l, "timed out") || strings.Contains(l, "resolve host") {
			l = strings.TrimPrefix(l, "* ")
			if !strings.HasPrefix(l, "curl: (") && strings.Contains(res.Stderr, ") "+l) {
				continue // curl's own error line repeats it
			}
			lines = append(lines, l)
		}
	}
	msg := strings.Join(lines, "; ")
	c := Connection{Detail: fmt.Sprintf("curl exit %d: %s", res.ExitCode, msg)}
	switch res.ExitCode {
	case 0:
		code, err := strconv.Atoi(strings.TrimSpace(res.Stdout))
		if err != nil {
			c.Failure = OtherFailure
			c.Detail = "curl printed no status code: " + res.Stdout
			return c
		}
		c.Code, c.Detail = code, ""
	case 6:
		c.Failure = NoDNSAnswer
	case 7:
		switch {
		case strings.Contains(msg, "failed: Connection refused"):
			c.Failure = Refused
		case strings.Contains(msg, "failed: No route to host"):
			c.Failure = NoRoute
		default:
			c.Failure = causeOr(msg)
		}
	case 28:
		// A connect that never completed says "Connection timed out after" (or
		// "Failed to connect ... Timeout was reached"); a request that connected and
		// then got no answer says "Operation timed out".
		switch {
		case strings.Contains(msg, "Resolving timed out"):
			c.Failure = NoDNSAnswer
		case strings.Contains(msg, "Connection timed out") || strings.Contains(msg, "Failed to connect"):
			c.Failure = ConnectTimeout
		default:
			c.Failure = OtherFailure // connected, then no answer in time
		}
	default:
		c.Failure = causeOr(msg)
	}
	return c
}

// causeOr is the failure curl's message shows, OtherFailure when none.
func causeOr(msg string) Failure {
	if f := Cause(msg); f != "" {
		return f
	}
	return OtherFailure
}
