package inpod_test

import (
	"fmt"
	"net"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/inpod/inpod/framework/access"
	"github.com/inpod/inpod/framework/clusterinfo"
	"github.com/inpod/inpod/framework/netdiag"
	"github.com/inpod/inpod/framework/pods"
)

// enforcedWithin bounds how long a policy engine may take to act on a change.
const enforcedWithin = 30 * time.Second

// engineFailure is how a known engine turns away a denied connection: kube-router
// REJECTs it (ICMP port unreachable, so the client sees "connection refused").
var engineFailure = map[string]netdiag.Failure{"kube-router": netdiag.Refused}

var _ = Describe("NetworkPolicy between probe pods on different nodes", Label("networkpolicy"), Ordered, ContinueOnFailure, func() {
	fw := newFramework()
	const serverPort = 8080
	var (
		ns        string
		facts     clusterinfo.Facts
		server    *corev1.Pod
		client    *corev1.Pod
		from      access.Target
		serverURL string
		apiByIP   string
	)
	role := func(name string) map[string]string { return map[string]string{"inpod.io/netpol-role": name} }

	connect := func(ctx SpecContext, url string) netdiag.Connection {
		c, err := netdiag.Connect(ctx, fw.Run, from.Namespace, from.Pod, url)
		Expect(err).NotTo(HaveOccurred())
		return c
	}
	// blocked polls until the connection fails to connect (a policy is applied
	// asynchronously), then asserts how it failed.
	blocked := func(ctx SpecContext, url, because string) netdiag.Connection {
		var last netdiag.Connection
		Eventually(func(g Gomega) {
			last = connect(ctx, url)
			g.Expect(last.Connected()).To(BeFalse(), "%s, yet the client still connects: %s", because, last)
		}).WithContext(ctx).WithTimeout(enforcedWithin).WithPolling(time.Second).Should(Succeed())
		if want, ok := engineFailure[facts.NetworkEngine]; ok {
			Expect(last.Failure).To(Equal(want), "%s: %s turns it away with %q, saw %s", because, facts.NetworkEngine, want, last)
		} else {
			Expect(last.Failure).To(BeElementOf(netdiag.Refused, netdiag.ConnectTimeout), "%s: want refused or connect timeout, saw %s", because, last)
		}
		AddReportEntry("blocked", last.String())
		return last
	}
	answers := func(ctx SpecContext, url, because string) {
		var last netdiag.Connection
		Eventually(func(g Gomega) {
			last = connect(ctx, url)
			g.Expect(last.Connected()).To(BeTrue(), "%s, yet: %s", because, last)
		}).WithContext(ctx).WithTimeout(enforcedWithin).WithPolling(time.Second).Should(Succeed())
		Expect(last.Code).To(Equal(200), "%s: %s", because, last)
		AddReportEntry("connected", last.String())
	}

	BeforeAll(func(ctx SpecContext) {
		var err error
		facts = fw.Facts
		observed := "nodes: " + facts.NodesLine() + "; NetworkPolicy engine: " + facts.EngineLine()
		if facts.NodesErr != "" || facts.EngineErr != "" {
			Skip("cannot tell whether this cluster enforces NetworkPolicy (" + observed + ")")
		}
		if facts.Nodes < 2 && facts.NetworkEngine == "" {
			Skip("a single-node cluster with no NetworkPolicy engine does not enforce policies, so enforcement cannot be observed (" + observed + "); run the multi-node profile")
		}
		AddReportEntry("network", observed)
		ns = fw.Namespace(ctx, "netpol")

		server = pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: "server", Image: fw.Image("python"),
			Command: []string{"python3", "-m", "http.server", strconv.Itoa(serverPort), "--directory", "/tmp"}})
		server.Spec.Containers[0].ReadinessProbe = &corev1.Probe{
			ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(serverPort)}},
			PeriodSeconds: 1,
		}
		client = pods.ProbePod(fw.Run, pods.RunProbeInput{Namespace: ns, Name: "client", Image: fw.Image("curl")})
		for k, v := range role("server") {
			server.Labels[k] = v
		}
		for k, v := range role("client") {
			client.Labels[k] = v
		}
		if len(facts.Schedulable) >= 2 {
			pods.SpreadAcrossNodes(ns, server, client)
		}
		server, err = pods.Create(ctx, fw.Run, server)
		Expect(err).NotTo(HaveOccurred())
		client, err = pods.Create(ctx, fw.Run, client)
		Expect(err).NotTo(HaveOccurred())
		from = access.Target{Namespace: ns, Pod: client.Name}
		serverURL = fmt.Sprintf("http://%s/", net.JoinHostPort(server.Status.PodIP, strconv.Itoa(serverPort)))
		svc, err := fw.Proxy.Clientset().CoreV1().Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
		Expect(err).NotTo(HaveOccurred())
		apiByIP = fmt.Sprintf("https://%s/healthz", net.JoinHostPort(svc.Spec.ClusterIP, strconv.Itoa(int(svc.Spec.Ports[0].Port))))
	})

	It("schedules the two probe pods onto two different nodes", func() {
		if len(facts.Schedulable) < 2 {
			Skip("fewer than two nodes take pods (" + facts.NodesLine() + "): both probe pods share a node")
		}
		Expect(server.Spec.NodeName).NotTo(BeEmpty())
		Expect(client.Spec.NodeName).NotTo(Equal(server.Spec.NodeName), "server and client were both scheduled onto %s", server.Spec.NodeName)
		AddReportEntry("nodes", fmt.Sprintf("server %s on %s, client %s on %s", server.Status.PodIP, server.Spec.NodeName, client.Status.PodIP, client.Spec.NodeName))
	})

	It("connects from the client pod to the server pod and to the API server (by name and by cluster IP) while no policy selects them", func(ctx SpecContext) {
		answers(ctx, serverURL, "no policy selects the server")
		answers(ctx, "https://kubernetes.default.svc/healthz", "no policy selects the client")
		answers(ctx, apiByIP, "no policy selects the client")
	})

	It("refuses the client's connection to the server once a NetworkPolicy denies the server pod all ingress, and connects again once it is deleted", func(ctx SpecContext) {
		deny := netdiag.DenyIngress(fw.Run, netdiag.PolicyInput{Namespace: ns, Name: "deny-server-ingress", Pods: role("server")})
		Expect(netdiag.CreatePolicy(ctx, fw.Run, deny)).To(Succeed())
		blocked(ctx, serverURL, "NetworkPolicy "+ns+"/deny-server-ingress denies the server pod all ingress")
		answers(ctx, apiByIP, "the ingress policy selects only the server pod, not the client's egress")
		Expect(netdiag.DeletePolicy(ctx, fw.Run, ns, deny.Name)).To(Succeed())
		answers(ctx, serverURL, "NetworkPolicy "+ns+"/deny-server-ingress was deleted")
	})

	It("cannot connect to the API server's cluster IP nor resolve its name once a default-deny egress NetworkPolicy selects the client pod", func(ctx SpecContext) {
		deny := netdiag.DenyEgress(fw.Run, netdiag.PolicyInput{Namespace: ns, Name: "deny-client-egress", Pods: role("client")})
		Expect(netdiag.CreatePolicy(ctx, fw.Run, deny)).To(Succeed())
		blocked(ctx, apiByIP, "NetworkPolicy "+ns+"/deny-client-egress denies the client pod all egress")
		byName := connect(ctx, "https://kubernetes.default.svc/healthz")
		Expect(byName.Failure).To(Equal(netdiag.NoDNSAnswer), "egress to cluster DNS is denied too: %s", byName)
		AddReportEntry("blocked", byName.String())
	})

	It("connects to the API server by name again once an egress NetworkPolicy allows the API server and cluster DNS, and still not to the server pod", func(ctx SpecContext) {
		allow, err := netdiag.AllowAPIServerEgress(ctx, fw.Run, netdiag.PolicyInput{Namespace: ns, Name: "allow-client-apiserver", Pods: role("client")})
		Expect(err).NotTo(HaveOccurred())
		Expect(netdiag.CreatePolicy(ctx, fw.Run, allow)).To(Succeed())
		answers(ctx, "https://kubernetes.default.svc/healthz", "NetworkPolicy "+ns+"/allow-client-apiserver allows the API server and DNS")
		blocked(ctx, serverURL, "no egress policy allows the client to reach the server pod")
	})
})
