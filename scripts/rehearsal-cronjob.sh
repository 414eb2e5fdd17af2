# shellcheck shell=bash
# shellcheck disable=SC2154 # kubectl, kubeconfig, work, REPORT_DIR: published-rehearsal.sh's
# Sourced by published-rehearsal.sh when REHEARSAL_CRONJOB=1, with its
# registry serving the release and its cluster pulling through it: continuous
# validation as a user installs it.
#
#   0. dist/inpod-cronjob.yaml as released, every minute, the runner's own
#      specs only (runner && !slow): one scheduled run passes, then it is
#      suspended and deleted;
#   1. manifests/examples/shop/workload.yaml applied (the shop's accounts and
#      RBAC), its two deliberate mistakes fixed;
#   2. dist/inpod-cronjob.yaml made to verify the shop's intent file
#      (inpodctl intent asset: every minute, 2 history entries kept) and applied;
#   3. two scheduled runs pass;
#   4. a RoleBinding granting shop/storefront the ClusterRole view (intended:
#      no list of pods or ConfigMaps) is added; the next run fails, its drift
#      names the binding, an Event AccessDrift is on inpod-results, and
#      `inpodctl drift` says the same from outside;
#   5. the binding deleted; the next run passes and says the cells are back;
#   6. 4 runs leave 2 history entries (pruning).
#
# What it does not reproduce: a cluster's own schedule over days (one run a
# minute here), and Events kept past the API server's --event-ttl (1h).

cron_start=$SECONDS
k() { "$kubectl" --kubeconfig "$kubeconfig" "$@"; }
results() { k -n inpod-system get configmap inpod-results -o jsonpath="{.data.$1}"; }
inpodctl=$work/inpodctl
go build -o "$inpodctl" ./framework/cmd/inpodctl
shop_intent=manifests/examples/shop/intent.yaml
cron_yaml=$work/inpod-cronjob-shop.yaml

# cron_job AFTER: the first Job the CronJob created at or after AFTER (epoch seconds).
cron_job() {
  k -n inpod-system get jobs -l inpod.io/job=job -o json |
    jq -r --argjson t "$1" '[.items[] | select(.metadata.ownerReferences[0].kind == "CronJob")
      | select((.metadata.creationTimestamp | fromdate) >= $t)] | sort_by(.metadata.creationTimestamp) | .[0].metadata.name // empty'
}

# next_run AFTER: waits for that Job to finish; prints its name and condition.
next_run() {
  local after=$1 name cond
  for _ in $(seq 900); do
    name=$(cron_job "$after")
    if [ -n "$name" ]; then
      cond=$(k -n inpod-system get job "$name" -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type} {end}')
      if [[ $cond == *Complete* || $cond == *Failed* ]]; then
        echo "$name $cond"
        return 0
      fi
    fi
    sleep 2
  done
  die "no run of CronJob inpod-system/inpod finished after $(date -d "@$after" +%T)"
}

# run WANT [suspend]: the next scheduled run, its verdict WANT (passed,
# failed), its drift shown; with suspend, the CronJob is suspended as soon as
# the run starts, so no other follows it.
run_no=0
run() {
  local want=$1 out job verdict after
  after=$(date +%s)
  if [ "${2:-}" = suspend ]; then
    for _ in $(seq 120); do
      [ -n "$(cron_job "$after")" ] && break
      sleep 1
    done
    k -n inpod-system patch cronjob inpod -p '{"spec":{"suspend":true}}' >/dev/null
  fi
  out=$(next_run "$after")
  job=${out%% *}
  run_no=$((run_no + 1))
  verdict=$(results verdict)
  log "run $run_no: Job $job, verdict $verdict (passed $(results passed), failed $(results failed)); drift:"
  results drift | sed 's/^/    /' >&2
  echo >&2
  [ "$verdict" = "$want" ] || { k -n inpod-system logs "job/$job" -c suite --tail=40 >&2 || true; die "run $run_no: verdict $verdict, want $want"; }
  # nobody collects a scheduled run: its reports are whole in the results container's log
  local printed
  printed=$(k -n inpod-system logs "job/$job" -c results | sed -n 's/^@@inpod-file //p' | paste -sd' ')
  [ "$printed" = "junit.xml report.json drift.json" ] || die "run $run_no: the results container's log holds '$printed', not junit.xml report.json drift.json"
}

# 0. The asset as released: the guide's suite, here the runner's own specs.
guide_yaml=$work/inpod-cronjob-runner.yaml
sed -e "s|--ginkgo.label-filter=.*|--ginkgo.label-filter=runner \&\& !slow|" -e "s|^  schedule: .*|  schedule: '* * * * *'|" dist/inpod-cronjob.yaml >"$guide_yaml"
if ! grep -qF -- '--ginkgo.label-filter=runner && !slow' "$guide_yaml" || ! grep -qF "schedule: '* * * * *'" "$guide_yaml"; then
  die "could not set the label filter and the schedule in a copy of dist/inpod-cronjob.yaml"
fi
log "kubectl apply -f dist/inpod-cronjob.yaml (every minute, label filter runner && !slow)"
k apply -f "$guide_yaml" >&2
run passed suspend
[ "$(results passed)" -gt 0 ] || die "the runner's specs did not run in the CronJob's run"
k -n inpod-system delete cronjob inpod --wait >/dev/null

log "continuous validation: CronJob from dist/inpod-cronjob.yaml verifying $shop_intent"
k apply -f manifests/examples/shop/workload.yaml >&2
# The shop's two deliberate mistakes fixed (docs/verify.md), so that its runs pass:
# the leftover view binding gone, the settings granted to order-worker by name.
k -n shop delete rolebinding legacy-debug shop-settings-reader >&2
k -n shop create rolebinding shop-settings-reader --role=shop-settings-reader --serviceaccount=shop:order-worker >&2
go run ./framework/cmd/inpodctl intent asset --from dist/inpod-cronjob.yaml -f "$shop_intent" \
  --schedule '* * * * *' --keep 2 -o "$cron_yaml" ||
  die "inpodctl intent asset failed"
# The Job from the asset ran the guide's suite; its history entry is of another selection.
k -n inpod-system delete configmaps -l inpod.io/history --wait >/dev/null
k -n inpod-system delete events --field-selector involvedObject.name=inpod-results >/dev/null 2>&1 || true
k apply -f "$cron_yaml" >&2
run_no=0

run passed
run passed
[[ $(results drift) == "no change since "* ]] || die "run 2: want 'no change since' run 1, got: $(results drift | head -1)"

log "adding RoleBinding shop/storefront-view-for-a-minute: ClusterRole view to shop/storefront (its intent denies list pods, list configmaps)"
k -n shop create rolebinding storefront-view-for-a-minute --clusterrole=view --serviceaccount=shop:storefront >&2
run failed
drift=$(results drift)
grep -q '^flipped: shop/storefront list pods (in shop): deny → allow .*RoleBinding shop/storefront-view-for-a-minute' <<<"$drift" ||
  die "run 3: the drift does not name the flipped list pods and the RoleBinding: $drift"
log "kubectl get events -n inpod-system --field-selector reason=AccessDrift:"
k -n inpod-system get events --field-selector reason=AccessDrift -o custom-columns=LAST:.lastTimestamp,TYPE:.type,REASON:.reason,OBJECT:.involvedObject.name,MESSAGE:.message \
  | tee "$REPORT_DIR/rehearsal-cronjob-events.txt" >&2
grep -q 'storefront-view-for-a-minute' "$REPORT_DIR/rehearsal-cronjob-events.txt" || die "no AccessDrift Event naming the RoleBinding"
log "inpodctl drift:"
KUBECONFIG=$kubeconfig "$inpodctl" drift | tee "$REPORT_DIR/rehearsal-cronjob-drift.txt" >&2
grep -q 'storefront-view-for-a-minute' "$REPORT_DIR/rehearsal-cronjob-drift.txt" || die "inpodctl drift does not name the RoleBinding"

log "deleting RoleBinding shop/storefront-view-for-a-minute"
k -n shop delete rolebinding storefront-view-for-a-minute >&2
run passed
grep -q '^reverted: shop/storefront list pods (in shop): allow → deny' <<<"$(results drift)" || die "run 4: the drift does not say list pods is back: $(results drift)"
k -n inpod-system get events --field-selector reason=AccessDriftReverted -o custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message >&2

log "inpodctl history (INPOD_HISTORY_KEEP=2, after $run_no runs):"
KUBECONFIG=$kubeconfig "$inpodctl" history | tee "$REPORT_DIR/rehearsal-cronjob-history.txt" >&2
entries=$(k -n inpod-system get configmaps -l inpod.io/history -o name | wc -l)
[ "$entries" = 2 ] || die "$run_no runs with INPOD_HISTORY_KEEP=2 left $entries history entries"
k -n inpod-system delete cronjob inpod --wait=false >/dev/null 2>&1 || true
log "continuous validation passed in $((SECONDS - cron_start))s: $run_no scheduled runs, drift found and reverted, $entries history entries kept"
