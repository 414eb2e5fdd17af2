#!/usr/bin/env bash
# Debootstrap every Debian base the offline images start from (rootfs.sh), and the
# CNI's when ADDONS=1. Network- and disk-bound: build-all.sh runs it beside the
# CPU-bound Go builds of binaries.sh.
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

need_pkg debootstrap debootstrap
bases=(node_base kube_proxy_base curl_base python_base)
[ "${ADDONS:-}" = 1 ] && bases+=(kube_router_base)
for b in "${bases[@]}"; do
  timed "Debian base ${b%_base}" "$b" >/dev/null
done
