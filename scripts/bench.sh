#!/usr/bin/env bash
# On a warm, kept cluster: the non-slow suite serially and with 4 Ginkgo processes,
# BENCH_RUNS times each; wall time median, specs, pods created (from the API
# server's request counter) and time per spec. Writes reports/bench.md.
source "$(dirname "$0")/lib-kube.sh"
RUNS=${BENCH_RUNS:-3}
pod_posts() {
  "$KUBECTL" get --raw /metrics 2>/dev/null |
    awk '/^apiserver_request_total\{/ && /resource="pods"/ && /verb="POST"/ && /subresource=""/ {s += $NF} END {printf "%d", s}'
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
table="| mode | runs (s) | median (s) | specs | pods created per run | s per spec |\n|---|---|---|---|---|---|\n"
for mode in serial parallel; do
  args=()
  [ "$mode" = parallel ] && args=(--procs=4)
  times=() specs=0 pods=0
  for i in $(seq 1 "$RUNS"); do
    before=$(pod_posts)
    start=$(date +%s.%N)
    suite "$REPORT_DIR/bench/$mode-$i" "${args[@]}" || { echo "bench: $mode run $i failed; see $REPORT_DIR/bench/$mode-$i/ginkgo.log" >&2; exit 1; }
    end=$(date +%s.%N)
    times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')")
    pods=$(( $(pod_posts) - before ))
    specs=$(grep -oE 'Ran [0-9]+ of' "$REPORT_DIR/bench/$mode-$i/ginkgo.log" | awk '{print $2}' | tail -1)
    echo "bench: $mode run $i: ${times[-1]}s, $specs specs, $pods pod creations" >&2
  done
  med=$(printf '%s\n' "${times[@]}" | median)
  per=$(awk -v m="$med" -v n="$specs" 'BEGIN {printf "%.2f", m / n}')
  table+="| $mode | $(printf '%.1f ' "${times[@]}") | $(printf '%.1f' "$med") | $specs | $pods | $per |\n"
done
mkdir -p "$REPORT_DIR"
printf "# inpod bench (%s, %s cores)\n\n$table" "$(date -u +%F)" "$(nproc)" | tee "$REPORT_DIR/bench.md"
