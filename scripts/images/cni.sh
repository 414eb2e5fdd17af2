#!/usr/bin/env bash
# The pod network and NetworkPolicy engine of the multi-node profile:
# inpod/kube-router:$KUBE_ROUTER_VERSION, kube-router built from its Go module on a
# Debian minbase with the tools it drives (iptables, ipset, ip). The CNI plugins it
# configures (bridge, host-local, portmap) are already in the node image.
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

# The tag is the one manifests/kind/profiles/multi-node/kube-router.yaml names.
: "${KUBE_ROUTER_VERSION:=v2.1.0}"
REF=$IMAGE_PREFIX/kube-router:$KUBE_ROUTER_VERSION
M=github.com/cloudnativelabs/kube-router/v2

build() {
  local base k ctx
  base=$(rootfs kube-router minbase iptables ipset iproute2 kmod conntrack)
  k=$(key "$REF" "$base" "$BIN/kube-router/.inpod-key" "$0")
  image_fresh "$REF" "$k" && { log "$REF: cached"; return; }
  ctx=$(context kube-router)
  ln "$base" "$ctx/base.tar" 2>/dev/null || cp "$base" "$ctx/base.tar"
  cp "$BIN/kube-router/kube-router" "$ctx/"
  # Debian's iptables is the nft variant, as in the node and kube-proxy images, so
  # kube-router's rules and kube-proxy's land in the same tables.
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
ADD base.tar /
COPY kube-router /usr/local/bin/kube-router
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
ENTRYPOINT ["/usr/local/bin/kube-router"]
DOCKERFILE
  docker_image "$REF" "$k" "$ctx"
}

timed "kube-router $KUBE_ROUTER_VERSION" tools kube-router "$M@$KUBE_ROUTER_VERSION" "$M/cmd/kube-router"
timed "kube-router image" build
