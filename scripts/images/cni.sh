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

build() { dockerfile_image "$REF" kube-router "$(kube_router_base)" "$BIN/kube-router/kube-router"; }

timed "kube-router $KUBE_ROUTER_VERSION" tools kube-router "$M@$KUBE_ROUTER_VERSION" "$M/cmd/kube-router"
timed "kube-router image" build
