#!/usr/bin/env bash
# make profiles: the non-slow suite on a fresh kind cluster of each cluster profile
# (manifests/kind/profiles), one after the other, each cluster deleted before the
# next; then one table, spec × profile: reports/profiles.md and .html.
# PROFILES="restricted token-extension-off" picks some.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${REPORT_DIR:=$PWD/reports}"
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
  if make --no-print-directory e2e PROFILE="$p" INPOD_CLUSTER="inpod-$p" REPORT_DIR="$dir" KEEP_CLUSTER= >"$dir/make.log" 2>&1; then
    verdict=passed
  else
    verdict="FAILED"; rc=1
  fi
  echo "profiles: $p $verdict in $((SECONDS - start))s — $(tail -n 1 "$dir/make.log")"
  dirs+=("$dir")
done
go run ./framework/cmd/matrix -title "inpod across cluster profiles" -name profiles "$REPORT_DIR" "${dirs[@]}" || rc=1
exit $rc
