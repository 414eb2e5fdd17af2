#!/usr/bin/env bash
# The images kubeadm expects for K8S_VERSION (registry.k8s.io/...), built from the
# binaries in the cache: static binaries on a scratch base, kube-proxy on Debian
# minbase with iptables and nftables.
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

[ -x "$BIN/kubernetes/kubeadm" ] || die "no kubeadm for $K8S_VERSION in $BIN; run scripts/images/binaries.sh first"

# one REF BASE_TAR ENTRYPOINT_JSON FILE...: an image with the files in /usr/local/bin.
one() {
  local ref=$1 base=$2 entry=$3
  shift 3
  local k
  k=$(key "$ref" "$base" "$entry" "$@" "$0")
  image_fresh "$ref" "$k" && { log "$ref: cached"; return; }
  local ctx f
  ctx=$(context "${ref//[\/:]/_}")
  ln "$base" "$ctx/base.tar" 2>/dev/null || cp "$base" "$ctx/base.tar"
  mkdir -p "$ctx/bin"
  for f in "$@"; do cp "$f" "$ctx/bin/"; done
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
ADD base.tar /
COPY bin/ /usr/local/bin/
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENTRYPOINT $entry
DOCKERFILE
  docker_image "$ref" "$k" "$ctx"
}

build() {
  local scratch proxybase ref name
  scratch=$(scratch_base)
  proxybase=$(rootfs kube-proxy minbase iptables nftables conntrack kmod)
  while read -r ref; do
    name=${ref##*/}
    name=${name%%:*}
    case "$name" in
      kube-proxy) one "$ref" "$proxybase" '["/usr/local/bin/kube-proxy"]' "$BIN/kubernetes/kube-proxy" ;;
      kube-*) one "$ref" "$scratch" "[\"/usr/local/bin/$name\"]" "$BIN/kubernetes/$name" ;;
      etcd) one "$ref" "$scratch" '["/usr/local/bin/etcd"]' "$BIN/etcd/etcd" ;;
      coredns) one "$ref" "$scratch" '["/usr/local/bin/coredns"]' "$BIN/coredns/coredns" ;;
      pause) one "$ref" "$scratch" '["/usr/local/bin/pause"]' "$BIN/local/pause" ;;
      *) die "kubeadm $K8S_VERSION wants $ref, which this script does not know how to build" ;;
    esac
  done < <(kubeadm_images)
}

timed "control-plane images" build
