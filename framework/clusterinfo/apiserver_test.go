package clusterinfo

import (
	"strings"
	"testing"
)

func TestMountedTokenByFlags(t *testing.T) {
	cases := []struct {
		name      string
		args      []string
		seconds   int64
		warnAfter int64
	}{
		{"defaults: extended", nil, ExtendedTokenSeconds, KubeletTokenSeconds},
		{"extension off", []string{"--service-account-extend-token-expiration=false"}, KubeletTokenSeconds, 0},
		{"cap 1h shortens 3607 s, so no extension", []string{"--service-account-max-token-expiration=1h"}, 3600, 0},
		{"cap 2h leaves 3607 s, extended", []string{"--service-account-max-token-expiration=2h0m0s"}, ExtendedTokenSeconds, KubeletTokenSeconds},
		{"cap 1h, extension off", []string{"--service-account-max-token-expiration=1h", "--service-account-extend-token-expiration=false"}, 3600, 0},
	}
	for _, c := range cases {
		f := APIServerFlags{Read: true, Args: ParseFlags(append([]string{"kube-apiserver", "--advertise-address=172.18.0.2"}, c.args...))}
		got, err := f.MountedToken()
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.Seconds != c.seconds || got.WarnAfter != c.warnAfter {
			t.Errorf("%s: got %s, want %d s / warnafter %d", c.name, got, c.seconds, c.warnAfter)
		}
	}
}

func TestGrantedIsShortenedToTheCap(t *testing.T) {
	f := APIServerFlags{Read: true, Args: ParseFlags([]string{"--service-account-max-token-expiration=1h"})}
	if g, _ := f.Granted(7200); g != 3600 {
		t.Errorf("7200 s under a 1h cap: got %d", g)
	}
	if g, _ := f.Granted(600); g != 600 {
		t.Errorf("600 s under a 1h cap: got %d", g)
	}
	if g, _ := (APIServerFlags{Read: true}).Granted(7200); g != 7200 {
		t.Errorf("7200 s without a cap: got %d", g)
	}
	if _, err := (APIServerFlags{Source: "not readable: forbidden"}).Granted(7200); err == nil {
		t.Error("unread flags must not give an expectation")
	}
}

func TestBadFlagValueIsAnError(t *testing.T) {
	f := APIServerFlags{Read: true, Args: ParseFlags([]string{"--service-account-extend-token-expiration=maybe"})}
	if _, err := f.MountedToken(); err == nil {
		t.Error("an unparsable flag must be an error, not a guess")
	}
}

// Each fact says where it came from: a flag read, the API default because the
// flag is absent, or why it is unknown; the mounted token is computed.
func TestFactLinesSayTheirSource(t *testing.T) {
	line := func(f Facts, name string) string {
		for _, l := range f.Lines() {
			if l[0] == name {
				return l[1]
			}
		}
		t.Fatalf("no fact %q in %v", name, f.Lines())
		return ""
	}
	absent := Facts{APIServer: APIServerFlags{Read: true, Source: "kube-system/kube-apiserver-x", Args: map[string]string{}}}
	if got := line(absent, "token expiry extension"); got != "true (API default, --service-account-extend-token-expiration absent)" {
		t.Errorf("absent: %q", got)
	}
	set := Facts{APIServer: APIServerFlags{Read: true, Args: map[string]string{flagMaxExpiration: "2h"}}}
	if got := line(set, "max token expiration"); got != "2h (read from --service-account-max-token-expiration)" {
		t.Errorf("set: %q", got)
	}
	unread := Facts{APIServer: APIServerFlags{Source: "not readable: no kube-apiserver pod in kube-system (a managed control plane?)"}, NodesErr: `list nodes: nodes is forbidden`}
	if got := line(unread, "token expiry extension"); !strings.HasPrefix(got, "unknown (not readable: no kube-apiserver pod") {
		t.Errorf("unread: %q", got)
	}
	if got := line(unread, "nodes"); got != "not readable: list nodes: nodes is forbidden" {
		t.Errorf("nodes unread: %q (not 0)", got)
	}
	signer := Facts{APIServer: APIServerFlags{Read: true, Args: map[string]string{flagSigningEndpoint: "/run/signer.sock"}}}
	if got := line(signer, "mounted token (computed from the flags above)"); !strings.Contains(got, "not computable: tokens are signed by an external signer") {
		t.Errorf("external signer: %q", got)
	}
	if _, err := signer.APIServer.Granted(7200); err == nil {
		t.Error("an external signer's cap is not the flags'")
	}
}
