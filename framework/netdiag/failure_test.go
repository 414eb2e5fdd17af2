package netdiag

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
)

func TestCauseNamesEachClientsWords(t *testing.T) {
	cases := map[string]Failure{
		"curl: (6) Could not resolve host: kubernetes.default.svc":                                               NoDNSAnswer,
		`dial tcp: lookup kubernetes.default.svc on 10.96.0.10:53: no such host`:                                 NoDNSAnswer,
		"NameResolutionError(\"<urllib3.connection.HTTPSConnection>: Failed to resolve 'kubernetes'\")":          NoDNSAnswer,
		"curl: (7) Failed to connect to 10.96.0.1 port 443 after 0 ms: Connection refused":                       Refused,
		"curl: (28) Connection timed out after 5001 milliseconds":                                                ConnectTimeout,
		"curl: (28) Failed to connect to kubernetes.default.svc port 443 after 5002 ms: Timeout was reached":     ConnectTimeout,
		`Get "https://10.96.0.1:443/api": dial tcp 10.96.0.1:443: i/o timeout`:                                   ConnectTimeout,
		"ConnectTimeoutError(<urllib3.connection.HTTPSConnection object>, 'Connection to 10.96.0.1 timed out.')": ConnectTimeout,
		"Unable to connect to the server: dial tcp 10.96.0.1:443: connect: no route to host":                     NoRoute,
		"curl: (28) Resolving timed out after 5000 milliseconds":                                                 NoDNSAnswer,
		"curl: (7) Failed to connect to 10.96.0.1 port 443 after 2 ms: Couldn't connect to server":               CouldNotConnect,
		"curl: (60) SSL certificate problem: unable to get local issuer certificate":                             TLSFailed,
	}
	for out, want := range cases {
		if got := Cause(out); got != want {
			t.Errorf("Cause(%q) = %q, want %q", out, got, want)
		}
	}
	if got := Cause(`{"kind":"Status","code":403}`); got != "" {
		t.Errorf("a Forbidden answer is not a connectivity failure, got %q", got)
	}
	if got := Explain("curl: (6) Could not resolve host: kubernetes.default.svc"); got != "no DNS answer for the API server's name: curl: (6) Could not resolve host: kubernetes.default.svc" {
		t.Errorf("Explain: %q", got)
	}
}

func TestEgressPoliciesNamesTheSelectingPolicy(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "n", Labels: map[string]string{"app": "probe"}}}
	deny := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "default-deny-egress", Namespace: "n"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}}}
	other := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "web-only", Namespace: "n"},
		Spec: networkingv1.NetworkPolicySpec{PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress}}}
	ingress := &networkingv1.NetworkPolicy{ObjectMeta: metav1.ObjectMeta{Name: "ingress-only", Namespace: "n"},
		Spec: networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress}}}
	cs := fake.NewSimpleClientset(pod, deny, other, ingress)
	got, err := EgressPolicies(context.Background(), cs, "n", "p")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(got, "default-deny-egress (denies all egress)") || strings.Contains(got, "web-only") || strings.Contains(got, "ingress-only") {
		t.Errorf("got %q", got)
	}
	cs = fake.NewSimpleClientset(pod, other)
	if got, _ := EgressPolicies(context.Background(), cs, "n", "p"); got != "" {
		t.Errorf("no policy selects the pod, got %q", got)
	}
}
