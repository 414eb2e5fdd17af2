#!/usr/bin/env bash
# make controllers: the published RBAC of three widely used controllers, read
# at run time from their Go modules (the module proxy serves each release's
# tree) and applied verbatim to the kept cluster; for each, `inpodctl intent
# draft` from the cluster, `make verify` on the draft (0 differences expected),
# then one deliberate edit — a granted list moved from allow to deny — verified
# again (exactly that row expected to differ, its granting binding named).
# Writes reports/controllers.md (REPORT_DIR) and each run's summary beside it.
# Each controller's RBAC is deleted again after its runs. The controllers' Deployments are not applied: their images are not here, and
# inpod's probe pods run as their ServiceAccounts instead.
source "$(dirname "$0")/lib-kube.sh"
OUT=$REPORT_DIR/controllers
mkdir -p "$OUT"
# name | module@version | namespace/serviceaccount | files in the module | namespace for files that name none
CONTROLLERS=(
  "metrics-server|sigs.k8s.io/metrics-server@v0.9.1|kube-system/metrics-server|manifests/base/rbac.yaml|"
  "kube-state-metrics|k8s.io/kube-state-metrics/v2@v2.20.0|kube-system/kube-state-metrics|examples/standard/service-account.yaml examples/standard/cluster-role.yaml examples/standard/cluster-role-binding.yaml|"
  "external-dns|sigs.k8s.io/external-dns@v0.23.0|default/external-dns|kustomize/external-dns-serviceaccount.yaml kustomize/external-dns-clusterrole.yaml kustomize/external-dns-clusterrolebinding.yaml|default"
)
[ -n "${CONTROLLERS_ONLY:-}" ] && mapfile -t CONTROLLERS < <(printf '%s\n' "${CONTROLLERS[@]}" | grep -E "^(${CONTROLLERS_ONLY//,/|})\|")

# summary_line DIR: the first line of a run's summary, without its heading mark.
summary_line() { sed -n '1s/^# //p' "$1/summary.md" 2>/dev/null || echo "no summary written"; }
# differ DIR: "K of N" from the intent matrix's heading.
differ() { grep -o '([0-9]* of [0-9]* requests differ)' "$1/summary.md" 2>/dev/null | tr -d '()' || echo "no matrix"; }

fail=0
rows=()
for c in "${CONTROLLERS[@]}"; do
  IFS='|' read -r name module account files ns <<<"$c"
  echo "controllers: $name ($module), ServiceAccount $account" >&2
  # the module's zip, unpacked here: go extracts a module only when this
  # toolchain may build it, and these files need no building
  # (go exits non-zero when this toolchain may not build the module; the zip is there)
  zip=$( (cd "$ROOT" && go mod download -json "$module") | sed -n 's/^[[:space:]]*"Zip": "\(.*\)",$/\1/p') || true
  [ -s "$zip" ] || { echo "controllers: the module proxy gave no zip for $module" >&2; exit 1; }
  rm -rf "$OUT/$name.src" && python3 -m zipfile -e "$zip" "$OUT/$name.src"
  dir=$OUT/$name.src/${module/@/@}
  for f in $files; do
    "$KUBECTL" apply ${ns:+-n "$ns"} -f "$dir/$f" >&2
  done
  draft=$OUT/$name.intent.yaml
  "$INPODCTL" intent draft "$account" >"$draft"
  requests=$(grep -c '^  - {verb' "$draft")
  verbs=$(grep -o '{verb: [a-z]*' "$draft" | cut -d' ' -f2 | sort | uniq -c | awk '{printf "%s%s %s", s, $2, $1; s=", "}')

  start=$(date +%s)
  rc=0; make -C "$ROOT" --no-print-directory verify INTENT="$draft" REPORT_DIR="$OUT/$name" >"$OUT/$name.log" 2>&1 || rc=$?
  took=$(( $(date +%s) - start ))
  got=$(differ "$OUT/$name")
  if [ "$rc" != 0 ] || [[ $got != 0\ of* ]]; then
    fail=1
    echo "controllers: $name: the draft did not verify clean (exit $rc, $got differ): $OUT/$name.log" >&2
  fi

  # the deliberate edit: the first granted list, moved from allow to deny
  edited=$OUT/$name.edited.yaml
  # (one the controller's own binding grants, where there is one)
  moved=$(grep -m1 "^  - {verb: list.*# .*$name" "$draft" || grep -m1 '^  - {verb: list' "$draft")
  awk -v m="$moved" '$0 == m {next} {print} /^  deny:$/ {print m}' "$draft" >"$edited"
  erc=0; make -C "$ROOT" --no-print-directory verify INTENT="$edited" REPORT_DIR="$OUT/$name-edited" >"$OUT/$name-edited.log" 2>&1 || erc=$?
  egot=$(differ "$OUT/$name-edited")
  row=$(grep -m1 '^| ❌' "$OUT/$name-edited/summary.md" 2>/dev/null || true)
  cause=$(awk -F' \\| ' '{print $NF}' <<<"$row" | sed 's/ |$//')
  if [ "$erc" = 0 ] || [[ $egot != 1\ of* ]] || [[ $cause != *"granted by"* ]]; then
    fail=1
    echo "controllers: $name: the edit did not show exactly its row (exit $erc, $egot differ): $OUT/$name-edited.log" >&2
  fi
  # the controller's RBAC is not inpod's: removed again, so that nothing of it is left
  for f in $files; do
    "$KUBECTL" delete --ignore-not-found ${ns:+-n "$ns"} -f "$dir/$f" >&2
  done
  rows+=("| $name | \`$module\` | $account | $requests | $verbs | $(summary_line "$OUT/$name") | $got | ${took} s | \`$(sed 's/^  - //; s/  #.*//' <<<"$moved")\` → $egot; cause: $cause |")
done

{
  echo "# Published controllers' RBAC: drafted, verified, and one edit"
  echo
  echo "Written by \`make controllers\` (scripts/controllers.sh) on $(date -u +%Y-%m-%dT%H:%MZ), kind cluster $INPOD_CLUSTER, Kubernetes $K8S_VERSION."
  echo "Each controller's RBAC files, read from its Go module at the version named and applied unchanged; the intent drafted"
  echo "from the cluster (\`inpodctl intent draft\`), then \`make verify\` with all four clients and the SubjectAccessReview."
  echo "Time is make verify's wall time (images, build and the suite); the run line gives the specs' own."
  echo
  echo "| controller | module | ServiceAccount | requests | verbs | run | differ | time | edit: a granted list moved to deny |"
  echo "|---|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} >"$REPORT_DIR/controllers.md"
echo "controllers: $REPORT_DIR/controllers.md" >&2
exit $fail
