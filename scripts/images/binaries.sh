#!/usr/bin/env bash
# Build every binary the offline images need from Go module sources, static, into
# $INPOD_CACHE/bin/$K8S_VERSION: Kubernetes (stamped with its version), etcd, CoreDNS,
# containerd + ctr + shim, crictl, pause, and the guide's Go probe.
source "$(dirname "$0")/lib.sh"

K8S_BINS=(kube-apiserver kube-controller-manager kube-scheduler kube-proxy kubelet kubeadm kubectl)

kubernetes() {
  local out=$BIN/kubernetes k
  k=$(key kubernetes "$K8S_VERSION" "$(declare -f kubernetes gomod)")
  fresh "$out" "$k" && { log "kubernetes $K8S_VERSION: cached"; return; }
  local dir=$SRC/kubernetes minor staging modfile
  minor=${K8S_VERSION#v1.}
  modfile=$(cd /tmp && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | jq -r .GoMod)
  [ -s "$modfile" ] || die "the Go module proxy did not serve k8s.io/kubernetes@$K8S_VERSION"
  gomod "$dir" inpod.local/build/kubernetes "k8s.io/kubernetes@$K8S_VERSION"
  # k8s.io/kubernetes points its staging modules at ./staging; point them at their
  # published twins (v0.<minor>.<patch>) instead.
  staging=$(awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "$modfile")
  # shellcheck disable=SC2046 # one -replace flag per word
  (cd "$dir" && go mod edit $(for m in $staging; do echo "-replace=$m=$m@v0.$minor"; done))
  local pkgs=() b
  for b in "${K8S_BINS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$b"); done
  local major=1 minorn=${minor%%.*} ldflags=(-s -w) p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=(-X "$p.gitVersion=$K8S_VERSION" -X "$p.gitMajor=$major" -X "$p.gitMinor=$minorn"
      -X "$p.gitTreeState=clean" -X "$p.buildDate=1970-01-01T00:00:00Z")
  done
  mkdir -p "$out"
  # pkg@version: a bare `go get pkg` means pkg@upgrade, which lifts k8s.io/kubernetes
  # to the newest release while the staging modules stay at v0.<minor>.
  (cd "$dir" && go get "${pkgs[@]/%/@$K8S_VERSION}" >/dev/null 2>&1 || go get "${pkgs[@]/%/@$K8S_VERSION}") ||
    die "resolving k8s.io/kubernetes@$K8S_VERSION failed"
  (cd "$dir" && go build -ldflags "${ldflags[*]}" -o "$out/" "${pkgs[@]}") || die "building Kubernetes $K8S_VERSION failed"
  stamp "$out" "$k"
}


etcd() {
  local tag v
  tag=$(image_tag etcd) || true
  [ -n "$tag" ] || die "kubeadm $K8S_VERSION names no etcd image"
  v=v${tag%-*}
  wrapped etcd "go.etcd.io/etcd/server/v3@$v" 'package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }'
}

coredns() {
  local v
  v=$(image_tag coredns)
  [ -n "$v" ] || die "kubeadm $K8S_VERSION names no coredns image"
  wrapped coredns "github.com/coredns/coredns@$v" 'package main

import (
	_ "github.com/coredns/coredns/core/plugin"
	"github.com/coredns/coredns/coremain"
)

func main() { coremain.Run() }'
}

containerd() {
  local m=github.com/containerd/containerd/v2
  tools containerd "$m@$CONTAINERD_VERSION" "$m/cmd/containerd" "$m/cmd/ctr" "$m/cmd/containerd-shim-runc-v2"
}

crictl() { tools crictl "sigs.k8s.io/cri-tools@$CRICTL_VERSION" sigs.k8s.io/cri-tools/cmd/crictl; }

# Binaries built from this repository's own module.
local_bins() {
  local out=$BIN/local k
  k=$(key local "$ROOT/go.mod" "$ROOT/go.sum" "$ROOT"/manifests/images/pause/*.go "$ROOT"/manifests/probes/go/*.go \
    "$ROOT"/manifests/probes/go/request/*.go "$(declare -f local_bins)")
  fresh "$out" "$k" && { log "pause + go probes: cached"; return; }
  mkdir -p "$out"
  (cd "$ROOT" && go build -ldflags "-s -w" -o "$out/pause" ./manifests/images/pause &&
    go build -ldflags "-s -w" -o "$out/guide-main" ./manifests/probes/go &&
    go build -ldflags "-s -w" -o "$out/inpod-request" ./manifests/probes/go/request) || die "building pause / the Go probes failed"
  stamp "$out" "$k"
}

need_pkg jq jq
timed "kubernetes $K8S_VERSION" kubernetes
timed etcd etcd
timed coredns coredns
timed containerd containerd
timed crictl crictl
timed "pause + go probe" local_bins
