#!/usr/bin/env bash
# The images kubeadm expects for K8S_VERSION (registry.k8s.io/...), built from the
# binaries in the cache with manifests/images/control-plane/Dockerfile: static
# binaries on the scratch base, kube-proxy on Debian minbase (bases.sh).
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

[ -x "$BIN/kubernetes/kubeadm" ] || die "no kubeadm for $K8S_VERSION in $BIN; run scripts/images/binaries.sh first"

# one REF BASE BINARY: the image REF of one static binary (manifests/images/control-plane).
one() { dockerfile_image "$1" control-plane "$2" "BINARY=${3##*/}" "$3"; }

build() {
  local scratch proxybase ref name
  scratch=$(scratch_base)
  proxybase=$(kube_proxy_base)
  while read -r ref; do
    name=${ref##*/}
    name=${name%%:*}
    case "$name" in
      kube-proxy) one "$ref" "$proxybase" "$BIN/kubernetes/kube-proxy" ;;
      kube-*) one "$ref" "$scratch" "$BIN/kubernetes/$name" ;;
      etcd) one "$ref" "$scratch" "$BIN/etcd/etcd" ;;
      coredns) one "$ref" "$scratch" "$BIN/coredns/coredns" ;;
      pause) one "$ref" "$scratch" "$BIN/local/pause" ;;
      *) die "kubeadm $K8S_VERSION wants $ref, which this script does not know how to build" ;;
    esac
  done < <(kubeadm_images)
}

timed "control-plane images" build
