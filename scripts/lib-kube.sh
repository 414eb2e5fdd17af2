# shellcheck shell=bash
# Shared by the bench, soak and interrupt scripts; sourced. They run on a kept kind
# cluster (make cluster-up) with the ginkgo and kubectl the project builds.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${INPOD_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/inpod}"
: "${INPOD_CLUSTER:=inpod}"
: "${K8S_VERSION:=$(cat "$ROOT/K8S_VERSION")}"
: "${REPORT_DIR:=$ROOT/reports}"
GINKGO=$INPOD_CACHE/tools/ginkgo
KUBECTL=$INPOD_CACHE/bin/$K8S_VERSION/kubernetes/kubectl
export KUBECONFIG=$INPOD_CACHE/kind-$INPOD_CLUSTER.kubeconfig
export KEEP_CLUSTER=1 INPOD_CLUSTER K8S_VERSION INPOD_CACHE
[ -x "$GINKGO" ] || { echo "no ginkgo at $GINKGO: run make tools" >&2; exit 1; }
[ -x "$KUBECTL" ] || KUBECTL=$(command -v kubectl)
[ -s "$KUBECONFIG" ] || { echo "no kept cluster ($KUBECONFIG missing): run make cluster-up" >&2; exit 1; }

# inpodctl is built once per script run: leftovers and cleanup use the suite's own
# Go code (framework/run: one label selector, app.kubernetes.io/managed-by=inpod).
INPODCTL=$(mktemp -d)/inpodctl
trap 'rm -rf "$(dirname "$INPODCTL")"' EXIT
(cd "$ROOT" && go build -o "$INPODCTL" ./framework/cmd/inpodctl) || { echo "cannot build inpodctl" >&2; exit 1; }

# leftovers: every object still carrying inpod's label, one per line (kubectl -o name).
# A failure to list is never "nothing left".
leftovers() {
  "$INPODCTL" leftovers 2>&1 || echo "unknown:inpodctl-leftovers-failed"
}

# sweep [ARGS]: inpodctl cleanup (all labelled objects, or --run-id ID's), waiting
# until they are gone.
sweep() {
  "$INPODCTL" cleanup "$@"
}

# settled_leftovers: leftovers once deletions in progress (terminating namespaces)
# have finished, waiting at most 2 minutes.
settled_leftovers() {
  local left=
  for _ in $(seq 1 60); do
    left=$(leftovers)
    [ -z "$left" ] && return 0
    sleep 2
  done
  echo "$left"
}

# suite DIR ARGS...: one non-slow run writing its reports into DIR; returns ginkgo's status.
suite() {
  local dir=$1
  shift
  mkdir -p "$dir"
  (cd "$ROOT" && REPORT_DIR=$dir "$GINKGO" run --label-filter='!slow' --silence-skips \
    --json-report=report.json --output-dir="$dir" "$@" "${SUITE:-./suites/inpod}" >"$dir/ginkgo.log" 2>&1)
}
