#!/usr/bin/env bash
# make matrix: for each Kubernetes minor (default: the newest v1.37.x, v1.36.x and
# v1.35.x the Go module proxy serves), one after the other: build the offline set,
# run the suite (LABELS, default !slow) on a new kind cluster, record the
# cluster's facts, delete the cluster. Then reports/matrix.md + matrix.html (one
# row per spec, one column per version) from reports/matrix/<version>/ (JUnit,
# Ginkgo JSON, facts, times, logs). Fails when any version fails.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${INPOD_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/inpod}"
: "${INPOD_CLUSTER:=inpod}"
: "${REPORT_DIR:=$PWD/reports}"
: "${LABELS:=!slow}"
: "${MATRIX_MINORS:=1.37 1.36 1.35}"
export INPOD_CACHE INPOD_CLUSTER
log() { printf '%s matrix: %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'matrix: %s\n' "$*" >&2; exit 1; }
dur() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

versions=${MATRIX_VERSIONS:-}
if [ -z "$versions" ]; then
  all=$(go list -m -versions k8s.io/kubernetes) || die "the Go module proxy did not list k8s.io/kubernetes"
  for minor in $MATRIX_MINORS; do
    v=$(tr ' ' '\n' <<<"$all" | grep -E "^v${minor//./\\.}\.[0-9]+$" | sort -V | tail -1)
    [ -n "$v" ] || die "the Go module proxy serves no k8s.io/kubernetes v$minor.x"
    versions+=" $v"
  done
fi
log "versions:$versions"

out=$REPORT_DIR/matrix
mkdir -p "$out"
# set_time DIR KEY VALUE: one line per key in DIR/times.txt (a rerun replaces it).
set_time() {
  touch "$1/times.txt"
  { grep -vF "$2: " "$1/times.txt" || true; echo "$2: $3"; } >"$1/times.tmp" && mv "$1/times.tmp" "$1/times.txt"
}

# facts V DIR: what the suite does not record itself, from the kept cluster.
facts() {
  local kubectl=$INPOD_CACHE/bin/$1/kubernetes/kubectl kc=$INPOD_CACHE/kind-$INPOD_CLUSTER.kubeconfig
  {
    "$kubectl" --kubeconfig "$kc" get --raw /metrics |
      sed -n 's/^kubernetes_feature_enabled{name="\([^"]*\)",stage="\([^"]*\)"} \([01]\)$/feature \1: \3 (\2)/p' |
      grep -E '^feature [A-Za-z]*(ServiceAccount|TokenRequest|Authoriz|Impersonat|SelfSubject|Projected)' |
      sed 's/: 1 (/: on (/; s/: 0 (/: off (/; s/ ()$//'
    "$kubectl" --kubeconfig "$kc" -n kube-system get pod -l component=kube-apiserver \
      -o jsonpath='{range .items[0].spec.containers[0].command[*]}{@}{"\n"}{end}' |
      sed -n 's/^--\(service-account-[a-z-]*\)=\(.*\)$/apiserver --\1: \2/p' | grep -v -e key-file -e signing-key
  } >"$2/cluster-facts.txt" || log "$1: cluster facts incomplete (see $2/cluster-facts.txt)"
}

failed=()
dirs=()
for v in $versions; do
  dir=$out/$v
  mkdir -p "$dir"
  find "$dir" -mindepth 1 ! -name times.txt -delete
  dirs+=("$dir")
  temp=warm
  [ -f "$INPOD_CACHE/bin/$v/kubernetes/.inpod-key" ] || temp=cold
  log "$v: building the offline set ($temp; log $dir/images.log)"
  t=$SECONDS
  K8S_VERSION=$v make --no-print-directory images >"$dir/images.log" 2>&1 || die "$v: make images failed; see $dir/images.log"
  set_time "$dir" "images ($temp)" "$(dur $((SECONDS - t)))"
  log "$v: make e2e IMAGES=offline LABELS='$LABELS' (log $dir/e2e.log)"
  t=$SECONDS
  rc=0
  K8S_VERSION=$v IMAGES=offline KEEP_CLUSTER=1 REPORT_DIR=$dir LABELS=$LABELS \
    make --no-print-directory e2e >"$dir/e2e.log" 2>&1 || rc=$?
  set_time "$dir" "make e2e ($temp)" "$(dur $((SECONDS - t)))"
  tail -1 "$dir/e2e.log" >&2
  facts "$v" "$dir"
  K8S_VERSION=$v make --no-print-directory cluster-down >>"$dir/e2e.log" 2>&1 || log "$v: cluster-down failed"
  if [ "$rc" != 0 ]; then failed+=("$v"); log "$v: FAILED (exit $rc)"; else log "$v: passed"; fi
done

go run ./framework/cmd/matrix "$REPORT_DIR" "${dirs[@]}"
[ ${#failed[@]} = 0 ] || die "failed on: ${failed[*]}"
log "all versions passed"
