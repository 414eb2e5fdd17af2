#!/usr/bin/env bash
# Cut the suite short at random points; afterwards nothing carrying inpod's label
# (namespaces, ClusterRoles, ClusterRoleBindings) may remain:
#   SIGINT (INTERRUPTS times): the suite's own cleanup must leave nothing;
#   SIGKILL of the whole process tree, and a double SIGINT (the second one cuts
#   Ginkgo's cleanup short): objects may remain, and `inpodctl cleanup --run-id`
#   (the sweep) must then leave nothing.
source "$(dirname "$0")/lib-kube.sh"
N=${INTERRUPTS:-3}
clean=0 total=0

# start DIR ID: one non-slow run in its own process group (pid = pgid), run ID fixed.
# Signals go to the whole group, as a terminal's Ctrl-C does: the ginkgo CLI
# alone does not pass a SIGINT on to the suite process.
start() {
  local dir=$1 id=$2
  mkdir -p "$dir"
  (cd "$ROOT" && REPORT_DIR=$dir INPOD_RUN_ID=$id exec setsid "$GINKGO" run --label-filter='!slow' --output-dir="$dir" ./suites/inpod >"$dir/ginkgo.log" 2>&1) &
  pid=$!
}

# until_created: wait (at most 5 min) until the run has labelled something, so
# that a kill leaves work for the sweep; a kill before that proves nothing.
until_created() {
  for _ in $(seq 1 150); do
    [ -n "$("$INPODCTL" leftovers)" ] && return 0
    sleep 2
  done
  echo "interrupt: the run created nothing labelled within 5 min" >&2
  return 1
}

verdict() { # verdict NAME LEFT
  total=$((total + 1))
  if [ -z "$2" ]; then
    clean=$((clean + 1)); echo "interrupt: $1: nothing left"
  else
    echo "interrupt: $1: LEFT $(echo "$2" | tr '\n' ' ')"
  fi
}

for i in $(seq 1 "$N"); do
  delay=$((10 + RANDOM % 40)) id=int$i$RANDOM
  start "$REPORT_DIR/interrupt/run-$i" "$id"
  sleep "$delay"
  kill -INT -- "-$pid" 2>/dev/null || true
  wait "$pid" || true
  verdict "run $i, SIGINT after ${delay}s" "$(settled_leftovers)"
done

# SIGKILL: no cleanup runs at all; the sweep removes what the run made.
delay=$((RANDOM % 20)) id=kill$RANDOM
start "$REPORT_DIR/interrupt/kill" "$id"
until_created
sleep "$delay"
kill -KILL -- "-$pid" 2>/dev/null || true
wait "$pid" || true
before=$(leftovers | grep -c . || true)
echo "interrupt: SIGKILL of the process group ${delay}s after its first object: $before labelled object(s) left before the sweep"
sweep --run-id "$id" >/dev/null
verdict "SIGKILL ${delay}s after its first object, then inpodctl cleanup --run-id $id" "$(settled_leftovers)"

# Double SIGINT: the second interrupt cuts the cleanup short; then the sweep.
delay=$((RANDOM % 20)) id=twice$RANDOM
start "$REPORT_DIR/interrupt/double" "$id"
until_created
sleep "$delay"
kill -INT -- "-$pid" 2>/dev/null || true
sleep 1
kill -INT -- "-$pid" 2>/dev/null || true
wait "$pid" || true
before=$(leftovers | grep -c . || true)
echo "interrupt: double SIGINT ${delay}s after its first object: $before labelled object(s) left before the sweep"
sweep --run-id "$id" >/dev/null
verdict "double SIGINT ${delay}s after its first object, then inpodctl cleanup --run-id $id" "$(settled_leftovers)"

echo "interrupt: $clean of $total cut-short runs left nothing behind"
[ "$clean" = "$total" ]
