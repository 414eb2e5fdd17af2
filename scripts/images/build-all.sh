#!/usr/bin/env bash
# Build every image the offline path runs; each step skips what is cached. The
# Debian bases (network and disk) are fetched while the Go builds use the CPU.
# A kind config with an addons folder beside it (PROFILE=multi-node, or
# INPOD_KIND_CONFIG=.../multi-node.yaml) also needs the CNI image (cni.sh).
set -euo pipefail
here=$(dirname "$0")
start=$SECONDS
addons=
if [ -n "${INPOD_KIND_CONFIG:-}" ]; then
  addons=${INPOD_KIND_CONFIG%.yaml}
elif [ -n "${INPOD_PROFILE:-${PROFILE:-}}" ]; then
  addons=$here/../../manifests/kind/profiles/${INPOD_PROFILE:-$PROFILE}
fi
[ -n "$addons" ] && [ -d "$addons" ] || addons=

ADDONS=${addons:+1} bash "$here/bases.sh" &
bases=$!
bash "$here/binaries.sh" || { kill "$bases" 2>/dev/null; exit 1; }
wait "$bases" || { echo "images: fetching the Debian bases failed" >&2; exit 1; }
bash "$here/control-plane.sh"
bash "$here/node.sh"
bash "$here/probes.sh"
bash "$here/suite.sh"
[ -z "$addons" ] || bash "$here/cni.sh"
echo "images: all offline images ready for ${K8S_VERSION:-$(cat "$here/../../K8S_VERSION")} in $((SECONDS - start))s" >&2
