package faults

import (
	"fmt"
	"sort"
	"strings"

	"github.com/inpod/inpod/framework/config"
)

// Labels are the contract between specs and faults: a spec carries the guard
// labels of the properties it checks (Ginkgo Label), and each fault names the
// guard labels whose specs must go red when it is injected. The self-test selects
// specs by these labels only, never by title.
const (
	GuardDefaultForbidden    = "guards:default-sa-forbidden"    // the default ServiceAccount is refused listing pods
	GuardPodReaderBinding    = "guards:pod-reader-binding"      // pod-reader-binding lets pod-reader read pods and logs
	GuardPodReaderToken      = "guards:pod-reader-token"        // pod-reader's pods carry its mounted token
	GuardPodReaderScope      = "guards:pod-reader-role-scope"   // pod-reader-role grants nothing beyond pods and pods/log
	GuardClusterPodReader    = "guards:cluster-pod-reader"      // the ClusterRoleBinding gives cluster-wide pod/namespace reads
	GuardNamespaceReader     = "guards:namespace-reader"        // namespace-reader reads the core, apps and batch groups
	GuardDeploymentManager   = "guards:deployment-manager"      // deployment-manager writes Deployments
	GuardLeastPrivilege      = "guards:least-privilege"         // the resourceNames rule allows my-config only
	GuardAPIReachable        = "guards:api-reachable"           // a pod reaches kubernetes.default.svc
	GuardAutomountOff        = "guards:automount-off"           // the guide's no-api-pod has no token
	GuardProjectedAudience   = "guards:projected-audience"      // the secure-pod's token is for audience api only
	GuardBoundToken          = "guards:bound-token"             // a pod's token dies with the pod
	GuardTokenExpiry         = "guards:token-expiry"            // a saved projected token is refused after its exp (slow)
	GuardRotationClient      = "guards:token-rotation-client"   // a long-running client-go client follows rotation (slow)
	GuardAutomountPrecedence = "guards:automount-precedence"    // each automount cell mounts a token exactly when its settings say
	GuardMountedToken        = "guards:mounted-token"           // the tokens namespace's probe carries the default ServiceAccount's token
	GuardTokenRequest        = "guards:token-request"           // TokenRequest lifetimes: 2 h granted (or capped), 599 s refused, 600 s exact
	GuardForensicsIdentity   = "guards:forensics-identity"      // whoami, the token's claims and a legacy token Secret name pod-reader
	GuardForensicsClaims     = "guards:forensics-claims"        // the mounted token's pod, node and jti claims, and its signature
	GuardTooBroad            = "guards:too-broad"               // the guide's Bad rule is wildcards on everything, and lets its account do what Good refuses
	GuardTroubleshooting     = "guards:troubleshooting-pods"    // my-pod has a token, no-api-pod none, the default ServiceAccount no pod reads
	GuardSelfTestBeforeAll   = "guards:selftest-beforeall"      // test-only: the specs a broken BeforeAll skips
	GuardRunnerConfined      = "guards:runner-confined"         // the in-cluster runner is refused everything outside its namespaces, and escalation
	selfTestBeforeAllEnvVar  = "INPOD_SELFTEST_BREAK_BEFOREALL" // must be 1 for the test-only fault
)

// Guards lists every guard label with the property it stands for.
var Guards = map[string]string{
	GuardDefaultForbidden:    "the default ServiceAccount is refused listing pods (403 Forbidden)",
	GuardPodReaderBinding:    "pod-reader-binding lets pod-reader list pods and read logs",
	GuardPodReaderToken:      "pod-reader's pods carry its mounted token",
	GuardPodReaderScope:      "pod-reader-role grants nothing beyond pods and pods/log",
	GuardClusterPodReader:    "cluster-pod-reader-binding gives pod-reader cluster-wide pod and namespace reads",
	GuardNamespaceReader:     "namespace-reader reads the core, apps and batch groups",
	GuardDeploymentManager:   "deployment-manager creates, updates, patches and deletes Deployments",
	GuardLeastPrivilege:      "the resourceNames rule allows ConfigMap my-config and nothing else",
	GuardAPIReachable:        "a pod reaches the API server at kubernetes.default.svc",
	GuardAutomountOff:        "automountServiceAccountToken: false on the pod leaves it without a token",
	GuardProjectedAudience:   "the secure-pod's projected token is for audience api, not the API server",
	GuardBoundToken:          "a pod-bound token stops working once its pod is deleted",
	GuardTokenExpiry:         "a projected token saved in the pod is refused (401) after its exp; the rotated file works",
	GuardRotationClient:      "a client-go client running all along sends the rotated token after the first one's exp",
	GuardAutomountPrecedence: "each automount cell mounts the token exactly when the pod's setting, else the ServiceAccount's, says so",
	GuardMountedToken:        "the tokens namespace's probe pod carries the default ServiceAccount's mounted token, ca.crt and namespace",
	GuardTokenRequest:        "a TokenRequest gets the lifetime asked (or the cap); 599 s is refused, 600 s issued exactly",
	GuardForensicsIdentity:   "kubectl auth whoami, the mounted token and a legacy token Secret all name pod-reader",
	GuardForensicsClaims:     "the mounted token's pod, node and jti claims match its pod and whoami, and its signature verifies",
	GuardTooBroad:            "the guide's Bad rule is * on *, flagged as such, and lets its account read Secrets, delete pods and bind",
	GuardTroubleshooting:     "the troubleshooting namespace: my-pod has a token, no-api-pod none, the default ServiceAccount may not list pods",
	GuardSelfTestBeforeAll:   "test-only: the specs of an Ordered container whose BeforeAll the test-only fault breaks",
	GuardRunnerConfined:      "the in-cluster runner is refused pods, exec, tokens and RBAC writes outside its namespaces, escalation and binding, Secrets and impersonation",
}

// Fault is one broken property: how it is injected, which specs must go red, and
// the phrases a red spec's message must contain (one of them) to count as red
// for this cause.
type Fault struct {
	Name   string
	Breaks string
	// Guards are the guard labels of the specs that must go red.
	Guards []string
	// Filter is the Ginkgo label filter of the self-test's run: the guarding specs
	// and their neighbours, which must stay green.
	Filter string
	Causes []string
	// Cluster: the self-test breaks the cluster itself (not INPOD_INJECT).
	Cluster bool
	// Job: the self-test runs Filter as the in-cluster Job (make job), where
	// the runner's specs run, instead of from the host.
	Job bool
	// Profile, when set, is the cluster profile the fault needs.
	Profile string
	// Slow faults run only when the self-test's LABELS include slow.
	Slow bool
	// EnvVar, when set, must be "1" for the fault to be injected at all (test-only faults).
	EnvVar string
}

// Fault names.
const (
	DefaultCanListPods           = "default-can-list-pods"
	PodReaderBindingMissing      = "pod-reader-binding-missing"
	PodReaderNoAutomount         = "pod-reader-no-automount"
	PodReaderRoleSecrets         = "pod-reader-role-secrets"
	ClusterBindingMissing        = "cluster-pod-reader-binding-missing"
	NamespaceReaderNoApps        = "namespace-reader-role-no-apps"
	DeploymentManagerNoDeploy    = "deployment-manager-no-deployments"
	MyConfigWithoutResourceNames = "my-config-without-resourcenames"
	ClusterDNSDown               = "cluster-dns-down"
	RunnerClusterAdmin           = "runner-bound-to-cluster-admin"
	EgressToAPIDenied            = "egress-to-api-denied"
	NoAPIPodAutomounts           = "no-api-pod-automount-dropped"
	SecurePodAPIServerAudience   = "secure-pod-apiserver-audience"
	KeepBoundPod                 = "bound-pod-not-deleted"
	ClientReadsTokenOnce         = "client-reads-token-once"
	ProjectedTokenLongLived      = "projected-token-long-lived"
	BreakBeforeAll               = "break-beforeall"
	AutomountCellsInverted       = "automount-cells-inverted"
	DefaultTokenNotMounted       = "default-token-not-mounted"
	TokenRequestOneSecondMore    = "token-request-one-second-more"
	ForensicsAsDefault           = "forensics-as-default"
	ForensicsClaimsTampered      = "forensics-claims-tampered"
	TooBroadNarrowed             = "too-broad-role-narrowed"
	TroubleshootingMisconfigured = "troubleshooting-pods-misconfigured"
)

const (
	rbacRun    = "rbac && !slow"
	curlRun    = "((method:curl && rbac) || smoke || troubleshooting) && !slow"
	tokenRun   = "(projected-token || automount || troubleshooting) && !slow"
	forbidden  = "Forbidden"
	allowedNot = "the request was allowed"
)

// Registry is every fault, the one list the suite (INPOD_INJECT) and the
// self-test read.
var Registry = []Fault{
	{Name: BreakBeforeAll, Filter: curlRun, Guards: []string{GuardSelfTestBeforeAll}, EnvVar: selfTestBeforeAllEnvVar,
		Breaks: "test-only: the BeforeAll of each method's Ordered container fails (the self-test must report the skipped specs as missed)",
		Causes: []string{"fails on purpose"}},
	{Name: MyConfigWithoutResourceNames, Filter: curlRun, Guards: []string{GuardLeastPrivilege},
		Breaks: "the my-config rule loses resourceNames: [my-config]",
		Causes: []string{allowedNot, "says yes; the guide's rule says no"}},
	{Name: PodReaderNoAutomount, Filter: curlRun, Guards: []string{GuardPodReaderToken},
		Breaks: "the pod-reader ServiceAccount has automountServiceAccountToken: false",
		// GNU cat says "cat: <path>: No such file…", busybox cat (the curl image is
		// Alpine's, like curlimages/curl) "cat: can't open '<path>': No such file…".
		Causes: []string{"/var/run/secrets/kubernetes.io/serviceaccount/token: No such file or directory",
			"can't open '/var/run/secrets/kubernetes.io/serviceaccount/token': No such file or directory",
			"/var/run/secrets/kubernetes.io/serviceaccount/namespace: No such file or directory",
			"can't open '/var/run/secrets/kubernetes.io/serviceaccount/namespace': No such file or directory",
			"error setting certificate file: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt",
			// kubectl without a mounted token finds no in-cluster config and falls back to localhost
			"localhost:8080",
			"HTTP 401 Unauthorized", `User "system:anonymous" cannot`}},
	{Name: NoAPIPodAutomounts, Filter: tokenRun, Guards: []string{GuardAutomountOff},
		Breaks: "the guide's no-api-pod loses automountServiceAccountToken: false",
		Causes: []string{"pod spec mounts /var/run/secrets/kubernetes.io/serviceaccount: true", "spec.automountServiceAccountToken is unset"}},
	{Name: SecurePodAPIServerAudience, Filter: tokenRun, Guards: []string{GuardProjectedAudience},
		Breaks: "the guide's secure-pod gets a token for the API server's audience instead of api",
		Causes: []string{"https://kubernetes.default.svc", "HTTP 403 Forbidden", "is invalid for the target audiences"}},
	{Name: KeepBoundPod, Filter: tokenRun, Guards: []string{GuardBoundToken},
		Breaks: "the pod a copied token is bound to is not deleted",
		Causes: []string{"still got HTTP 201"}},
	{Name: ClusterDNSDown, Filter: curlRun, Guards: []string{GuardAPIReachable}, Cluster: true,
		Breaks: "CoreDNS scaled to 0 replicas",
		Causes: []string{"no DNS answer for the API server's name", "Could not resolve host: kubernetes.default.svc"}},
	{Name: RunnerClusterAdmin, Filter: "runner", Guards: []string{GuardRunnerConfined}, Cluster: true, Job: true,
		Breaks: "a ClusterRoleBinding binds the in-cluster runner's ServiceAccount to cluster-admin",
		Causes: []string{"the runner was allowed to", "the runner may ", "the runner's rules in kube-system include more than"}},
	{Name: DefaultCanListPods, Filter: rbacRun, Guards: []string{GuardDefaultForbidden},
		Breaks: "the default ServiceAccount of each method namespace may list pods (RoleBinding to ClusterRole view)",
		Causes: []string{allowedNot, "\"kind\": \"PodList\"", "the program listed the pods", "says yes; the guide's RBAC says no"}},
	{Name: PodReaderBindingMissing, Filter: rbacRun, Guards: []string{GuardPodReaderBinding},
		Breaks: "serviceaccount-rbac.yaml is deployed without pod-reader-binding",
		Causes: []string{`cannot list resource "pods"`, `cannot watch resource "pods"`, `cannot get resource "pods/log"`, `cannot get resource "pods"`, "says no; the guide's RBAC says yes", "can-i --list says no"}},
	{Name: PodReaderRoleSecrets, Filter: rbacRun, Guards: []string{GuardPodReaderScope},
		Breaks: "pod-reader-role also grants get/list/watch on secrets",
		Causes: []string{"the request was authorized and the API answered HTTP 404", "get secrets absent (in", "says yes; the guide's RBAC says no"}},
	{Name: ClusterBindingMissing, Filter: rbacRun, Guards: []string{GuardClusterPodReader},
		Breaks: "cluster-pod-reader.yaml is deployed without its ClusterRoleBinding",
		Causes: []string{`cannot list resource "pods" in API group "" in the namespace`, `cannot list resource "namespaces" in API group "" at the cluster scope`, "says no; the guide's RBAC says yes"}},
	{Name: NamespaceReaderNoApps, Filter: rbacRun, Guards: []string{GuardNamespaceReader},
		Breaks: "namespace-reader's Role loses the apps API group",
		Causes: []string{`cannot list resource "deployments" in API group "apps"`, "list deployments.apps (in", "says no; the guide's RBAC says yes"}},
	{Name: DeploymentManagerNoDeploy, Filter: rbacRun, Guards: []string{GuardDeploymentManager},
		Breaks: "deployment-manager's Role loses its deployments rule",
		Causes: []string{`resource "deployments" in API group "apps"`, "says no; the guide's RBAC says yes"}},
	{Name: EgressToAPIDenied, Filter: "method:curl && rbac && !slow", Guards: []string{GuardAPIReachable}, Profile: "multi-node",
		Breaks: "a default-deny egress NetworkPolicy selects every pod of each namespace whose pods the curl specs use (needs a cluster that enforces NetworkPolicy)",
		Causes: []string{"inpod-fault-deny-egress (denies all egress)"}},
	{Name: ClientReadsTokenOnce, Filter: "slow", Guards: []string{GuardRotationClient}, Slow: true,
		Breaks: "the long-running client-go client reads the token once and never re-reads the file",
		Causes: []string{"the client got HTTP 401", "the client still sent it"}},
	{Name: ProjectedTokenLongLived, Filter: "slow", Guards: []string{GuardTokenExpiry, GuardRotationClient}, Slow: true,
		Breaks: "the slow specs' projected token asks 3600 s instead of the shortest lifetime, 600 s",
		Causes: []string{"exp − iat of the projected token that asked 600 s"}},
	{Name: AutomountCellsInverted, Filter: tokenRun, Guards: []string{GuardAutomountPrecedence},
		Breaks: "each automount cell's probe pod is created with the opposite of the setting its cell expects to win",
		Causes: []string{"pod spec mounts " + saTokenDir, "prints nothing when unset"}},
	{Name: DefaultTokenNotMounted, Filter: tokenRun, Guards: []string{GuardMountedToken},
		Breaks: "the tokens namespace's probe pod has automountServiceAccountToken: false",
		Causes: []string{"cat " + saTokenDir + "/"}},
	{Name: TokenRequestOneSecondMore, Filter: tokenRun, Guards: []string{GuardTokenRequest},
		Breaks: "the tokens specs' TokenRequests ask one second more than they state (7201, 600 for 599, 601 for 600)",
		Causes: []string{"a TokenRequest for 599 s", "exp − iat of a TokenRequest for"}},
	{Name: ForensicsAsDefault, Filter: tokenRun, Guards: []string{GuardForensicsIdentity},
		Breaks: "the forensics pod and the legacy token Secret are the default ServiceAccount's, not pod-reader's",
		Causes: []string{"kubectl auth whoami's username", "the mounted token's ServiceAccount", `cannot list resource "pods"`}},
	{Name: ForensicsClaimsTampered, Filter: tokenRun, Guards: []string{GuardForensicsClaims},
		Breaks: "the token the forensics specs examine has its pod uid, node name and jti rewritten, its signature kept",
		Causes: []string{"the mounted token's pod", "the mounted token's node", "whoami's credential id", "the token's signature"}},
	{Name: TooBroadNarrowed, Filter: rbacRun, Guards: []string{GuardTooBroad},
		Breaks: "the guide's too-broad Role is deployed and inspected as get configmaps instead of * on *",
		Causes: []string{"the live too-broad Role's rules", "the wildcard detector on the guide's Bad rule", `:too-broad" cannot`}},
	{Name: TroubleshootingMisconfigured, Filter: tokenRun, Guards: []string{GuardTroubleshooting},
		Breaks: "in the troubleshooting namespace my-pod opts out of its token, no-api-pod does not, and the default ServiceAccount may list pods",
		Causes: []string{"my-pod's token directory", "lists no token", "no-api-pod's token directory exists", "no-api-pod's automountServiceAccountToken", "the default ServiceAccount's kubectl auth can-i"}},
}

const saTokenDir = "/var/run/secrets/kubernetes.io/serviceaccount"

// Unguarded names, by label, why specs carrying it have no fault of their own;
// the self-test lists them with the reason beside the guarded fraction.
var Unguarded = map[string]string{
	"runner":        "no fault of its own yet: more permissions leave the declared ClusterRoles' rules and preflight's checks as they are, and Pod Security admission refuses a privileged pod whatever RBAC holds; breaking either means changing manifests/job as the Job applies it",
	"image-facts":   "checks the curl and kubectl images' own contents against manifests/images/stand-ins.yaml; breaking it takes another image, which the self-test does not build",
	"networkpolicy": "needs PROFILE=multi-node with a NetworkPolicy engine, and no fault of its own breaks the policies yet",
}

// Lookup finds a fault by name.
func Lookup(name string) (Fault, bool) {
	for _, f := range Registry {
		if f.Name == name {
			return f, true
		}
	}
	return Fault{}, false
}

// Enabled says whether a test-only fault's env var allows it.
func (f Fault) Enabled() bool { return f.EnvVar == "" || config.Env(f.EnvVar) == "1" }

// Validate refuses unknown fault names, cluster faults (the self-test makes
// those) and test-only faults whose env var is not set, with one line.
func Validate(names []string) error {
	for _, n := range names {
		f, ok := Lookup(n)
		switch {
		case !ok || f.Cluster:
			return fmt.Errorf("unknown fault %q in INPOD_INJECT (known: %s)", n, strings.Join(injectable(), ", "))
		case !f.Enabled():
			return fmt.Errorf("fault %q in INPOD_INJECT is test-only: it needs %s=1", n, f.EnvVar)
		}
	}
	return nil
}

func injectable() []string {
	var k []string
	for _, f := range Registry {
		if !f.Cluster && f.EnvVar == "" {
			k = append(k, f.Name)
		}
	}
	sort.Strings(k)
	return k
}
