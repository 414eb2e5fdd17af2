package netdiag

import (
	"context"
	"fmt"
	"strings"

	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/inpod/inpod/framework/lines"
	"github.com/inpod/inpod/framework/pods"
	"github.com/inpod/inpod/framework/run"
)

// Diagnose follows, from inside pod (an image with sh, getent and curl), each step
// a request takes to the API server — the name, the Service's cluster IP, an
// endpoint behind it — and the pod's egress policies, and says in one line what
// answered and what did not.
func Diagnose(ctx context.Context, r *run.Run, ns, pod string) string {
	cs := r.Proxy.Clientset()
	steps := []string{}
	say := func(what, result string) { steps = append(steps, what+": "+result) }

	res, err := pods.Exec(ctx, r, ns, pod, "getent", "hosts", "kubernetes.default.svc")
	switch {
	case err != nil:
		say("exec", err.Error())
		return "diagnosis from pod " + ns + "/" + pod + ": " + strings.Join(steps, "; ")
	case res.ExitCode != 0:
		say("DNS kubernetes.default.svc", fmt.Sprintf("no answer (getent exit %d)", res.ExitCode))
	default:
		say("DNS kubernetes.default.svc", strings.Join(strings.Fields(res.Stdout), " "))
	}
	if svc, err := cs.CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{}); err != nil {
		say("Service default/kubernetes", "not readable: "+lines.First(err.Error()))
	} else {
		say("Service "+svc.Spec.ClusterIP+":443", healthz(ctx, r, ns, pod, svc.Spec.ClusterIP+":443"))
	}
	if ep := endpoint(ctx, r); ep != "" {
		say("endpoint "+ep, healthz(ctx, r, ns, pod, ep))
	}
	np, err := EgressPolicies(ctx, cs, ns, pod)
	switch {
	case err != nil:
		say("NetworkPolicies", "not readable: "+lines.First(err.Error()))
	case np == "":
		say("NetworkPolicies", "none restricts the pod's egress")
	default:
		say("NetworkPolicies", np)
	}
	return "diagnosis from pod " + ns + "/" + pod + ": " + strings.Join(steps, "; ")
}

func healthz(ctx context.Context, r *run.Run, ns, pod, addr string) string {
	res, err := pods.Exec(ctx, r, ns, pod, "curl", "-sSk", "--connect-timeout", "5", "--max-time", "8", "-o", "/dev/null", "-w", "%{http_code}", "https://"+addr+"/healthz")
	switch {
	case err != nil:
		return "exec failed: " + err.Error()
	case res.ExitCode != 0:
		return fmt.Sprintf("no HTTP answer (curl exit %d: %s)", res.ExitCode, Explain(res.Stderr))
	}
	return "HTTP " + strings.TrimSpace(res.Stdout) + " from /healthz"
}

// endpoint is one address:port behind the kubernetes Service, "" if not readable.
func endpoint(ctx context.Context, r *run.Run) string {
	slices, err := r.Proxy.Clientset().DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{LabelSelector: discoveryv1.LabelServiceName + "=kubernetes"})
	if err != nil {
		return ""
	}
	for _, s := range slices.Items {
		for _, p := range s.Ports {
			for _, e := range s.Endpoints {
				if len(e.Addresses) > 0 && p.Port != nil {
					return fmt.Sprintf("%s:%d", e.Addresses[0], *p.Port)
				}
			}
		}
	}
	return ""
}

// AnonymousOff is the phrase for an anonymous health check the API server
// answered 401 or 403: it is reachable, and the cluster restricts anonymous
// access (e.g. AuthenticationConfiguration's anonymous conditions, or
// --anonymous-auth=false). ok is false for any other status.
func AnonymousOff(path string, code int) (phrase string, ok bool) {
	if code != 401 && code != 403 {
		return "", false
	}
	return fmt.Sprintf("the API server answered %d: anonymous access to %s is off on this cluster; the API server is reachable, "+
		"and the guide's anonymous check does not hold on such clusters (a guide erratum for them, not a failure of the cluster)", code, path), true
}
