#!/usr/bin/env bash
# Interrupt the suite with SIGINT at random points; after each, nothing carrying
# inpod's label may remain (namespaces, ClusterRoles, ClusterRoleBindings).
source "$(dirname "$0")/lib-kube.sh"
N=${INTERRUPTS:-3}
clean=0
for i in $(seq 1 "$N"); do
  delay=$((10 + RANDOM % 40))
  dir=$REPORT_DIR/interrupt/run-$i
  mkdir -p "$dir"
  (cd "$ROOT" && REPORT_DIR=$dir exec "$GINKGO" run --label-filter='!slow' --output-dir="$dir" ./suites/inpod >"$dir/ginkgo.log" 2>&1) &
  pid=$!
  sleep "$delay"
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" || true
  left=$(settled_leftovers)
  if [ -z "$left" ]; then
    clean=$((clean + 1)); echo "interrupt: run $i, SIGINT after ${delay}s: nothing left"
  else
    echo "interrupt: run $i, SIGINT after ${delay}s: LEFT $(echo "$left" | tr '\n' ' ')"
  fi
done
echo "interrupt: $clean of $N interrupted runs left nothing behind"
[ "$clean" = "$N" ]
