// Package netdiag is the one vocabulary for a request that got no HTTP answer —
// no DNS answer, refused, timed out, no route, TLS — read from any client's
// output (curl, Python's urllib3, Go's net/http, kubectl) or from curl's exit
// code, and the tools that find out why: a step-by-step diagnosis from inside a
// pod, the NetworkPolicies restricting a pod's egress, and the policies the
// NetworkPolicy specs apply.
package netdiag

import (
	"regexp"
	"strings"
)

// Failure names how a connection attempt failed; "" means a connection was made.
type Failure string

const (
	NoDNSAnswer     Failure = "no DNS answer"
	Refused         Failure = "connection refused"
	ConnectTimeout  Failure = "connect timeout"
	CouldNotConnect Failure = "could not connect"
	NoRoute         Failure = "no route to host"
	TLSFailed       Failure = "TLS failed"
	OtherFailure    Failure = "other failure"
)

// Phrase is the failure as a red spec says it of a request to the API server.
func (f Failure) Phrase() string {
	switch f {
	case NoDNSAnswer:
		return "no DNS answer for the API server's name"
	case Refused:
		return "the connection to the API server was refused"
	case ConnectTimeout:
		return "the connection to the API server timed out (nothing answered: a dropped packet, e.g. a NetworkPolicy denying egress)"
	case CouldNotConnect:
		// curl 7.88 says only "Couldn't connect to server" for a refused or
		// rejected connect (its verbose lines carry the socket error).
		return "no connection to the API server could be opened (refused or rejected, e.g. by a NetworkPolicy)"
	case NoRoute:
		return "no route to the API server"
	case TLSFailed:
		return "TLS with the API server failed"
	}
	return string(f)
}

// shown is how each failure appears in the clients' output, in the order they
// are tried.
var shown = []struct {
	f  Failure
	re *regexp.Regexp
}{
	{NoDNSAnswer, regexp.MustCompile(`(?i)could not resolve host|resolving timed out|name or service not known|temporary failure in name resolution|no such host|nodename nor servname|NameResolutionError|getaddrinfo failed|server misbehaving`)},
	{Refused, regexp.MustCompile(`(?i)connection refused|ECONNREFUSED`)},
	{ConnectTimeout, regexp.MustCompile(`(?i)connection timed out|connect timeout|ConnectTimeoutError|timed out after|i/o timeout|Timeout was reached|context deadline exceeded|Client\.Timeout exceeded|Read timed out`)},
	{CouldNotConnect, regexp.MustCompile(`(?i)couldn't connect to server`)},
	{NoRoute, regexp.MustCompile(`(?i)no route to host|network is unreachable|EHOSTUNREACH|ENETUNREACH`)},
	{TLSFailed, regexp.MustCompile(`(?i)x509|certificate verify failed|SSL certificate problem|tls: `)},
}

// Cause is the failure out shows, "" when it shows none.
func Cause(out string) Failure {
	for _, s := range shown {
		if s.re.MatchString(out) {
			return s.f
		}
	}
	return ""
}

// Explain is out with its failure's phrase in front, for failure messages; out
// alone when it shows no known failure.
func Explain(out string) string {
	out = strings.TrimSpace(out)
	if f := Cause(out); f != "" {
		return f.Phrase() + ": " + out
	}
	if out == "" {
		return "(no output)"
	}
	return out
}
