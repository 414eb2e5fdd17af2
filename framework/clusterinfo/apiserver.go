package clusterinfo

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/inpod/inpod/framework/lines"
)

const (
	flagExtendExpiration = "service-account-extend-token-expiration"
	flagMaxExpiration    = "service-account-max-token-expiration"
	// flagSigningEndpoint names an external token signer (KEP-740): it, not
	// these flags, then caps a token's lifetime.
	flagSigningEndpoint = "service-account-signing-endpoint"

	// KubeletTokenSeconds is what the kubelet asks for a mounted token; the API
	// server extends exactly this request (and no other) when extension is on.
	KubeletTokenSeconds = 3607
	// ExtendedTokenSeconds is the extended lifetime: one year.
	ExtendedTokenSeconds = 365 * 24 * 3600
)

// APIServerFlags are kube-apiserver's command-line flags, read from its static
// pod in kube-system (kubeadm clusters such as kind). Managed clusters do not show
// that pod: then Read is false and Source says why.
type APIServerFlags struct {
	Read   bool
	Source string
	Args   map[string]string
}

// ReadAPIServerFlags reads the flags of the pod labelled component=kube-apiserver.
func ReadAPIServerFlags(ctx context.Context, cs kubernetes.Interface) APIServerFlags {
	pods, err := cs.CoreV1().Pods("kube-system").List(ctx, metav1.ListOptions{LabelSelector: "component=kube-apiserver"})
	if err != nil {
		return APIServerFlags{Source: "not readable: " + lines.First(err.Error())}
	}
	if len(pods.Items) == 0 {
		return APIServerFlags{Source: "not readable: no kube-apiserver pod in kube-system (a managed control plane?)"}
	}
	p := pods.Items[0]
	for _, c := range p.Spec.Containers {
		if c.Name != "kube-apiserver" {
			continue
		}
		return APIServerFlags{Read: true, Source: "kube-system/" + p.Name, Args: ParseFlags(append(c.Command, c.Args...))}
	}
	return APIServerFlags{Source: "not readable: pod kube-system/" + p.Name + " has no kube-apiserver container"}
}

// ParseFlags turns "--name=value" arguments into a map.
func ParseFlags(args []string) map[string]string {
	m := map[string]string{}
	for _, a := range args {
		if !strings.HasPrefix(a, "--") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !ok {
			v = "true"
		}
		m[k] = v
	}
	return m
}

// describe is a flag's value and where it came from: "X (read from flags)",
// "def (API default, flag absent)", or why the flags are unknown.
func (f APIServerFlags) describe(flag, def string) string {
	if !f.Read {
		return "unknown (" + f.Source + ")"
	}
	if v, ok := f.Args[flag]; ok {
		return v + " (read from --" + flag + ")"
	}
	return def + " (API default, --" + flag + " absent)"
}

// TokenLifetime is the lifetime a token should get and whether it carries a
// warnafter claim, with the reason.
type TokenLifetime struct {
	Seconds   int64
	WarnAfter int64 // seconds after iat; 0 = no warnafter claim
	Why       string
}

func (t TokenLifetime) String() string {
	s := fmt.Sprintf("exp − iat = %d s", t.Seconds)
	if t.WarnAfter > 0 {
		s += fmt.Sprintf(", warnafter = iat + %d s", t.WarnAfter)
	} else {
		s += ", no warnafter"
	}
	return s + " (" + t.Why + ")"
}

func (f APIServerFlags) settings() (extend bool, maxSeconds int64, err error) {
	if !f.Read {
		return false, 0, fmt.Errorf("the API server's flags are %s", f.Source)
	}
	if ep, ok := f.Args[flagSigningEndpoint]; ok {
		return false, 0, fmt.Errorf("tokens are signed by an external signer (--%s=%s), which caps their lifetime itself", flagSigningEndpoint, ep)
	}
	extend = true
	if v, ok := f.Args[flagExtendExpiration]; ok {
		if extend, err = strconv.ParseBool(v); err != nil {
			return false, 0, fmt.Errorf("--%s=%q: %w", flagExtendExpiration, v, err)
		}
	}
	if v, ok := f.Args[flagMaxExpiration]; ok {
		d, err := time.ParseDuration(v)
		if err != nil {
			return false, 0, fmt.Errorf("--%s=%q: %w", flagMaxExpiration, v, err)
		}
		maxSeconds = int64(d.Seconds())
	}
	return extend, maxSeconds, nil
}

// Granted is the lifetime the API server grants a TokenRequest for seconds:
// shortened to --service-account-max-token-expiration when that is set.
func (f APIServerFlags) Granted(seconds int64) (int64, error) {
	_, maxSeconds, err := f.settings()
	if err != nil {
		return 0, err
	}
	if maxSeconds > 0 && seconds > maxSeconds {
		return maxSeconds, nil
	}
	return seconds, nil
}

// MountedToken is what the kubelet's mounted token should look like: its 3607 s
// request is first shortened to the cap, and only an unshortened 3607 s request
// is extended to a year (with warnafter at 3607 s) when extension is on.
func (f APIServerFlags) MountedToken() (TokenLifetime, error) {
	extend, maxSeconds, err := f.settings()
	if err != nil {
		return TokenLifetime{}, err
	}
	req := int64(KubeletTokenSeconds)
	capped := maxSeconds > 0 && req > maxSeconds
	if capped {
		req = maxSeconds
	}
	switch {
	case extend && !capped:
		return TokenLifetime{Seconds: ExtendedTokenSeconds, WarnAfter: KubeletTokenSeconds, Why: "extension on: the kubelet's 3607 s extended to a year"}, nil
	case extend && capped:
		return TokenLifetime{Seconds: req, Why: fmt.Sprintf("the kubelet's 3607 s shortened to the %d s cap, so not extended", maxSeconds)}, nil
	case capped:
		return TokenLifetime{Seconds: req, Why: fmt.Sprintf("extension off; the kubelet's 3607 s shortened to the %d s cap", maxSeconds)}, nil
	}
	return TokenLifetime{Seconds: req, Why: "extension off: the kubelet's 3607 s as asked"}, nil
}

// Behaviour names which of the API server's documented behaviours a mounted
// token shows (for clusters whose flags cannot be read), or "" for none.
func (t TokenLifetime) Behaviour() string {
	switch {
	case t.Seconds == ExtendedTokenSeconds && t.WarnAfter == KubeletTokenSeconds:
		return "extension on (a year, warnafter iat+3607 s)"
	case t.Seconds == KubeletTokenSeconds && t.WarnAfter == 0:
		return "extension off (3607 s as the kubelet asks)"
	case t.Seconds >= 3600 && t.Seconds < KubeletTokenSeconds && t.WarnAfter == 0:
		return fmt.Sprintf("shortened to a --%s cap of %d s", flagMaxExpiration, t.Seconds)
	}
	return ""
}
