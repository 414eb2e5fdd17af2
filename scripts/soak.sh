#!/usr/bin/env bash
# N consecutive runs of the non-slow suite on one kept cluster; prints the count
# of green runs and leaves nothing labelled behind.
source "$(dirname "$0")/lib-kube.sh"
N=${SOAK_RUNS:-10}
pass=0
for i in $(seq 1 "$N"); do
  start=$SECONDS
  if suite "$REPORT_DIR/soak/run-$i"; then
    pass=$((pass + 1)); verdict=passed
  else
    verdict="FAILED (see $REPORT_DIR/soak/run-$i/ginkgo.log)"
  fi
  echo "soak: run $i/$N $verdict in $((SECONDS - start))s"
done
left=$(settled_leftovers)
echo "soak: $pass passed, $((N - pass)) failed; labelled objects left: ${left:-none}"
[ "$pass" = "$N" ] && [ -z "$left" ]
