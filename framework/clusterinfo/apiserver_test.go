package clusterinfo

import "testing"

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
