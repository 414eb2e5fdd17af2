// Package netcheck names why a pod got no HTTP answer from the API server: no DNS
// answer, a refused or timed-out connection, TLS, or a NetworkPolicy that denies
// the pod's egress. Red specs say it in one phrase instead of a bare timeout.
package netcheck

import (
	"regexp"
	"strings"
)

// A cause is a class of connectivity failure and the output that shows it, as
// curl, Python (urllib3), Go (net/http) and kubectl print it.
type cause struct {
	name string
	re   *regexp.Regexp
}

var causes = []cause{
	{"no DNS answer for the API server's name", regexp.MustCompile(`(?i)could not resolve host|resolving timed out|name or service not known|temporary failure in name resolution|no such host|nodename nor servname|NameResolutionError|getaddrinfo failed|server misbehaving`)},
	{"the connection to the API server was refused", regexp.MustCompile(`(?i)connection refused|ECONNREFUSED`)},
	{"the connection to the API server timed out (nothing answered: a dropped packet, e.g. a NetworkPolicy denying egress)", regexp.MustCompile(`(?i)connection timed out|connect timeout|ConnectTimeoutError|timed out after|i/o timeout|Timeout was reached|context deadline exceeded|Client\.Timeout exceeded|Read timed out`)},
	// curl 7.88 says only this for a refused or rejected connect (its verbose
	// lines carry the socket error).
	{"no connection to the API server could be opened (refused or rejected, e.g. by a NetworkPolicy)", regexp.MustCompile(`(?i)couldn't connect to server`)},
	{"no route to the API server", regexp.MustCompile(`(?i)no route to host|network is unreachable|EHOSTUNREACH|ENETUNREACH`)},
	{"TLS with the API server failed", regexp.MustCompile(`(?i)x509|certificate verify failed|SSL certificate problem|tls: `)},
}

// Cause names the connectivity failure shown in out, or "" when out shows none.
func Cause(out string) string {
	for _, c := range causes {
		if c.re.MatchString(out) {
			return c.name
		}
	}
	return ""
}

// Explain is out with its cause in front, for failure messages; out alone when
// no cause is recognised.
func Explain(out string) string {
	out = strings.TrimSpace(out)
	if c := Cause(out); c != "" {
		return c + ": " + out
	}
	if out == "" {
		return "(no output)"
	}
	return out
}
