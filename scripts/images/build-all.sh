#!/usr/bin/env bash
# Build every image the offline path runs, in order; each step skips what is cached.
# A kind config with an addons folder beside it (PROFILE=multi-node, or
# INPOD_KIND_CONFIG=.../multi-node.yaml) also needs the CNI image (cni.sh).
set -euo pipefail
here=$(dirname "$0")
start=$SECONDS
bash "$here/binaries.sh"
bash "$here/control-plane.sh"
bash "$here/node.sh"
bash "$here/probes.sh"
bash "$here/suite.sh"
addons=
if [ -n "${INPOD_KIND_CONFIG:-}" ]; then
  addons=${INPOD_KIND_CONFIG%.yaml}
elif [ -n "${INPOD_PROFILE:-${PROFILE:-}}" ]; then
  addons=$here/../../manifests/kind/profiles/${INPOD_PROFILE:-$PROFILE}
fi
if [ -n "$addons" ] && [ -d "$addons" ]; then
  bash "$here/cni.sh"
fi
echo "images: all offline images ready for ${K8S_VERSION:-$(cat "$here/../../K8S_VERSION")} in $((SECONDS - start))s" >&2
