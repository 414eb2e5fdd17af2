#!/usr/bin/env bash
# On a warm, kept cluster: the non-slow suite serially and with 4 Ginkgo processes,
# and upstream's own yardstick on the same cluster — e2e.test's [sig-auth]
# ServiceAccounts, SubjectReview and SelfSubjectReview specs (non-slow) — BENCH_RUNS
# times each, interleaved so that both see the same cluster; wall time medians,
# specs, pods created (from the API server's request counter), time per spec and
# the inpod/upstream ratio. Writes reports/bench.md. BENCH_UPSTREAM=0 leaves
# upstream out (its e2e.test is otherwise built once from the Go module proxy:
# scripts/images/upstream-e2e.sh). BENCH_BASELINE=DIR adds a mode "baseline": the
# serial suite of another checkout (an earlier commit), for before/after.
source "$(dirname "$0")/lib-kube.sh"
RUNS=${BENCH_RUNS:-3}
MODES=${BENCH_MODES:-serial parallel upstream}
[ "${BENCH_UPSTREAM:-1}" = 0 ] && MODES=${MODES//upstream/}
if [ -n "${BENCH_BASELINE:-}" ]; then
  [ -d "$BENCH_BASELINE/suites/inpod" ] || { echo "bench: BENCH_BASELINE=$BENCH_BASELINE is no inpod checkout" >&2; exit 1; }
  MODES="baseline $MODES"
fi
UPSTREAM_FOCUS='\[sig-auth\] (ServiceAccounts|SubjectReview|SelfSubjectReview) '
UPSTREAM_SKIP='\[Slow\]|\[Serial\]|\[Disruptive\]|\[Flaky\]|\[Feature:|\[Alpha\]'
E2E=$INPOD_CACHE/bin/$K8S_VERSION/upstream-e2e

if [[ " $MODES " == *" upstream "* ]]; then
  bash "$ROOT/scripts/images/upstream-e2e.sh" || { echo "bench: cannot build upstream's e2e.test (BENCH_UPSTREAM=0 skips it)" >&2; exit 1; }
  # shellcheck disable=SC2046 # one reference per line
  "$INPODCTL" load $(cat "$E2E/images") || { echo "bench: cannot load agnhost/busybox into the cluster" >&2; exit 1; }
fi

# Like upstream's e2e.test, the suite runs precompiled: its build is not timed.
# SUITE=./suites/inpod/inpod.test (ginkgo runs it in its package folder).
precompile() {
  (cd "$1" && go test -c -o suites/inpod/inpod.test ./suites/inpod) || { echo "bench: cannot compile the suite in $1" >&2; exit 1; }
}
precompile "$ROOT"
[ -n "${BENCH_BASELINE:-}" ] && precompile "$BENCH_BASELINE"
export SUITE=./suites/inpod/inpod.test

pod_posts() {
  "$KUBECTL" get --raw /metrics 2>/dev/null |
    awk '/^apiserver_request_total\{/ && /resource="pods"/ && /verb="POST"/ && /subresource=""/ {s += $NF} END {printf "%d", s}'
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# upstream DIR: one run of upstream's specs, JUnit and log into DIR.
upstream() {
  local dir=$1
  mkdir -p "$dir"
  (cd "$dir" && "$E2E/e2e.test" --kubeconfig="$KUBECONFIG" --report-dir="$dir" \
    --ginkgo.focus="$UPSTREAM_FOCUS" --ginkgo.skip="$UPSTREAM_SKIP" --ginkgo.no-color >"$dir/ginkgo.log" 2>&1)
}

declare -A times specs pods
for i in $(seq 1 "$RUNS"); do
  for mode in $MODES; do
    dir=$REPORT_DIR/bench/$mode-$i
    before=$(pod_posts)
    start=$(date +%s.%N)
    case $mode in
      serial) suite "$dir" ;;
      baseline) ROOT=$BENCH_BASELINE suite "$dir" ;;
      parallel) suite "$dir" --procs=4 ;;
      upstream) upstream "$dir" ;;
    esac || { echo "bench: $mode run $i failed; see $dir/ginkgo.log" >&2; exit 1; }
    end=$(date +%s.%N)
    t=$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')
    times[$mode]+="$t "
    pods[$mode]=$(($(pod_posts) - before))
    specs[$mode]=$(grep -oE 'Ran [0-9]+ of' "$dir/ginkgo.log" | awk '{print $2}' | tail -1)
    echo "bench: $mode run $i: ${t}s, ${specs[$mode]} specs, ${pods[$mode]} pod creations" >&2
  done
done

declare -A med
table="| mode | runs (s) | median (s) | specs | pods created per run | s per spec |\n|---|---|---|---|---|---|\n"
for mode in $MODES; do
  # shellcheck disable=SC2086 # one time per word
  med[$mode]=$(printf '%s\n' ${times[$mode]} | median)
  per=$(awk -v m="${med[$mode]}" -v n="${specs[$mode]}" 'BEGIN {printf "%.2f", m / n}')
  table+="| $mode | ${times[$mode]}| $(printf '%.1f' "${med[$mode]}") | ${specs[$mode]} | ${pods[$mode]} | $per |\n"
done
ratio=
if [ -n "${med[upstream]:-}" ] && [ -n "${med[serial]:-}" ]; then
  ratio=$(awk -v a="${med[serial]}" -v b="${med[upstream]}" 'BEGIN {printf "%.2f", a / b}')
  table+="\ninpod serial / upstream (medians): **$ratio** (upstream: e2e.test $K8S_VERSION --ginkgo.focus='$UPSTREAM_FOCUS' --ginkgo.skip='$UPSTREAM_SKIP')\n"
  if [ -n "${med[baseline]:-}" ]; then
    table+="baseline (commit $(git -C "$BENCH_BASELINE" rev-parse --short HEAD)) / upstream: **$(awk -v a="${med[baseline]}" -v b="${med[upstream]}" 'BEGIN {printf "%.2f", a / b}')**\n"
  fi
fi
mkdir -p "$REPORT_DIR"
printf "# inpod bench (%s, %s cores, %s runs each, interleaved)\n\n$table" "$(date -u +%F)" "$(nproc)" "$RUNS" | tee "$REPORT_DIR/bench.md"
