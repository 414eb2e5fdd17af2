#!/usr/bin/env bash
# make profiles: the non-slow suite on a fresh kind cluster of each cluster profile
# (manifests/kind/profiles), one after the other, each cluster deleted before the
# next; then one table, spec × profile: reports/profiles.md and .html.
# PROFILES="restricted token-extension-off" picks some. Before each cluster is
# deleted, its nodes are recorded in <profile>/nodes.txt: Ready, the image each
# node container runs, and every image pull its containerd journal logged.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${REPORT_DIR:=$PWD/reports}"
: "${INPOD_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/inpod}"
: "${K8S_VERSION:=$(cat K8S_VERSION)}"
kubectl=$INPOD_CACHE/bin/$K8S_VERSION/kubernetes/kubectl

# nodes CLUSTER FILE: the cluster's nodes as the API and the node containers see them.
nodes() {
  local c=$1 out=$2 n pulls
  {
    echo "# kubectl get nodes"
    "$kubectl" --kubeconfig "$INPOD_CACHE/kind-$c.kubeconfig" get nodes -o wide 2>&1
    echo "# node containers: image, and the images containerd pulled (PullImage in its journal)"
    for n in $(docker ps --filter "label=io.x-k8s.kind.cluster=$c" --format '{{.Names}}' | sort); do
      pulls=$(docker exec "$n" journalctl -u containerd --no-pager 2>/dev/null | grep -cE 'msg="PullImage \\"[^\\]*\\""$' || true)
      echo "$n: image $(docker inspect -f '{{.Config.Image}}' "$n"); PullImage calls: $pulls"
      docker exec "$n" journalctl -u containerd --no-pager 2>/dev/null | grep -E 'msg="PullImage \\"[^\\]*\\""$' | sed 's/^/  /' || true
    done
  } >"$out"
}
if [ -z "${PROFILES:-}" ]; then
  PROFILES=$(find manifests/kind/profiles -maxdepth 1 -name '*.yaml' ! -name '*-admission.yaml' -printf '%f\n' | sed 's/\.yaml$//' | sort | tr '\n' ' ')
fi
dirs=()
rc=0
for p in $PROFILES; do
  dir=$REPORT_DIR/profiles/$p
  rm -rf "$dir" && mkdir -p "$dir"
  start=$SECONDS
  echo "profiles: $p: cluster inpod-$p, suite (log: $dir/make.log)"
  mrc=0
  make --no-print-directory e2e PROFILE="$p" INPOD_CLUSTER="inpod-$p" REPORT_DIR="$dir" KEEP_CLUSTER=1 >"$dir/make.log" 2>&1 || mrc=$?
  case $mrc in
    0) verdict=passed ;;
    # make e2e's INCOMPLETE: the profile's own configuration kept specs from
    # running, named at the top of its summary (e.g. anonymous-health).
    3) verdict="INCOMPLETE (the profile's configuration kept specs from running)" ;;
    *) verdict="FAILED"; rc=1 ;;
  esac
  nodes "inpod-$p" "$dir/nodes.txt"
  echo "profiles: $p: $(grep -c ' Ready ' "$dir/nodes.txt" || true) Ready node(s); image pulls on nodes: $(awk -F'PullImage calls: ' 'NF > 1 { s += $2 } END { print s + 0 }' "$dir/nodes.txt") (see $dir/nodes.txt)"
  make --no-print-directory cluster-down PROFILE="$p" INPOD_CLUSTER="inpod-$p" >>"$dir/make.log" 2>&1 || echo "profiles: $p: cluster-down failed (see $dir/make.log)"
  echo "profiles: $p $verdict in $((SECONDS - start))s — $(tail -n 1 "$dir/make.log")"
  dirs+=("$dir")
done
go run ./framework/cmd/matrix -title "inpod across cluster profiles" -name profiles "$REPORT_DIR" "${dirs[@]}" || rc=1
exit $rc
