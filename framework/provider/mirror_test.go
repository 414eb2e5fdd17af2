package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

func TestParseMirrors(t *testing.T) {
	m, err := ParseMirrors("docker.io=http://@host:5055, 127.0.0.1:5055=http://@host:5055")
	if err != nil || len(m) != 2 || m[1].Host != "127.0.0.1:5055" {
		t.Fatalf("got %v, %v", m, err)
	}
	for _, bad := range []string{"docker.io", "docker.io=@host:5055", "=http://x"} {
		if _, err := ParseMirrors(bad); err == nil || !strings.Contains(err.Error(), "INPOD_NODE_MIRRORS") {
			t.Errorf("%q: want a one-line error naming the variable, got %v", bad, err)
		}
	}
}

func TestMirrored(t *testing.T) {
	m := []Mirror{{Host: "docker.io"}, {Host: "127.0.0.1:5055"}}
	for ref, want := range map[string]bool{
		"curlimages/curl:8.16.0": true, "docker.io/alpine/k8s:1.37.0": true,
		"127.0.0.1:5055/inpod/suite@sha256:" + strings.Repeat("a", 64): true,
		"inpod/probe-go:offline":       true, // docker.io/inpod/...: a docker.io name
		"registry.k8s.io/pause:3.10.2": false, "localhost/x:1": false, "UPPER/case": false,
	} {
		if got := Mirrored(ref, m); got != want {
			t.Errorf("%s: mirrored %v, want %v", ref, got, want)
		}
	}
}

func TestHostsTOML(t *testing.T) {
	got := hostsTOML(Mirror{Host: "docker.io", Endpoint: "http://@host:5055"}, "172.18.0.1")
	want := "server = \"https://registry-1.docker.io\"\n\n[host.\"http://172.18.0.1:5055\"]\n  capabilities = [\"pull\", \"resolve\"]\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// Images under a mirror are the node's to pull: ToLoad neither asks the local
// engine for them nor loads them, and says so once each.
func TestToLoadLeavesMirroredImagesToTheNode(t *testing.T) {
	var said []string
	in := KindInput{Mirrors: []Mirror{{Host: "127.0.0.1:5055"}}, Log: func(f string, a ...any) { said = append(said, fmt.Sprintf(f, a...)) }}
	ref := "127.0.0.1:5055/inpod/suite@sha256:" + strings.Repeat("b", 64)
	got, err := in.ToLoad(context.Background(), ref)
	if err != nil || len(got) != 0 {
		t.Fatalf("ToLoad(%s) = %q, %v; want nothing to load", ref, got, err)
	}
	if len(said) != 1 || !strings.Contains(said[0], "pulled by the node (registry mirror)") {
		t.Errorf("log %q, want one line saying the node pulls it", said)
	}
}
