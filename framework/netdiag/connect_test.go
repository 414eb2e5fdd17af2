package netdiag

import (
	"testing"

	"github.com/inpod/inpod/framework/pods"
)

// Stderr as curl 7.88.1 -sSv prints it, trimmed to the lines that matter.
func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  pods.ExecResult
		want Failure
		code int
	}{
		{"answered", pods.ExecResult{Stdout: "200", Stderr: "*   Trying 10.96.0.1:443...\n* Connected to 10.96.0.1"}, "", 200},
		{"refused", pods.ExecResult{ExitCode: 7, Stdout: "000", Stderr: "*   Trying 127.0.0.1:1...\n* connect to 127.0.0.1 port 1 failed: Connection refused\n* Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server\ncurl: (7) Failed to connect to 127.0.0.1 port 1 after 0 ms: Couldn't connect to server"}, Refused, 0},
		{"no route", pods.ExecResult{ExitCode: 7, Stdout: "000", Stderr: "* connect to 10.0.0.9 port 80 failed: No route to host\ncurl: (7) Failed to connect to 10.0.0.9 port 80 after 3 ms: Couldn't connect to server"}, NoRoute, 0},
		{"connect timeout", pods.ExecResult{ExitCode: 28, Stdout: "000", Stderr: "*   Trying 10.96.0.1:443...\n* Connection timed out after 3001 milliseconds\ncurl: (28) Connection timed out after 3001 milliseconds"}, ConnectTimeout, 0},
		{"answer timeout", pods.ExecResult{ExitCode: 28, Stdout: "000", Stderr: "* Connected to 10.96.0.1\ncurl: (28) Operation timed out after 10001 milliseconds with 0 bytes received"}, OtherFailure, 0},
		{"no DNS answer", pods.ExecResult{ExitCode: 6, Stdout: "000", Stderr: "* Could not resolve host: kubernetes.default.svc\ncurl: (6) Could not resolve host: kubernetes.default.svc"}, NoDNSAnswer, 0},
		{"resolver timeout", pods.ExecResult{ExitCode: 28, Stdout: "000", Stderr: "* Resolving timed out after 3000 milliseconds\ncurl: (28) Resolving timed out after 3000 milliseconds"}, NoDNSAnswer, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Classify(tc.res)
			if c.Failure != tc.want || c.Code != tc.code {
				t.Errorf("Classify = failure %q code %d (%s), want %q %d", c.Failure, c.Code, c.Detail, tc.want, tc.code)
			}
		})
	}
}
