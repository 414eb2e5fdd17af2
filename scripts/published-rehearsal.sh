#!/usr/bin/env bash
# make rehearsal: the published path, on a machine that reaches no registry.
#
#   1. a registry (distribution, built from Go module sources) on this host;
#   2. the stand-ins (manifests/images/stand-ins.yaml: images built here that
#      reproduce the facts of the third-party images that matter) pushed under
#      their docker.io names, and the Docker engine given the registry as its
#      docker.io mirror, so a `docker pull curlimages/curl:8.16.0` meets it;
#   3. `make release REGISTRY=127.0.0.1:PORT/inpod` (RELEASE_BUILD=local): the Go
#      images (suite, probe-go) built as the release builds them, for linux/amd64
#      and linux/arm64, on the stand-in for their distroless base (GO_BASE);
#   4. a kind cluster whose node's containerd pulls docker.io and the release's
#      registry through that registry (INPOD_NODE_MIRRORS): no image is loaded
#      into it; the node image itself is the engine's, as with every kind cluster;
#   5. `kubectl apply -f dist/inpod-job.yaml` → the verdict in ConfigMap
#      inpod-system/inpod-results; REHEARSAL_LABELS picks what the Job runs;
#   5b. with REHEARSAL_CRONJOB=1, dist/inpod-cronjob.yaml on a schedule, the
#      runner's specs and then an intent, drift found and reverted
#      (scripts/rehearsal-cronjob.sh);
#   6. unless REHEARSAL_QUICK=1: `make e2e`, `make job` and `make sonobuoy` with
#      IMAGES=published on the same cluster, probes and suite the release's images;
#   7. the node's own pulls, from containerd's journal, and what stayed unrehearsed.
#
# REHEARSAL_QUICK=1 is the form `make test` runs: one short label set in the Job.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${K8S_VERSION:=$(cat K8S_VERSION)}"
: "${INPOD_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/inpod}"
: "${REPORT_DIR:=$PWD/reports}"
: "${REHEARSAL_PORT:=5055}"
: "${REHEARSAL_QUICK:=}"
: "${REHEARSAL_CRONJOB:=}"
: "${REHEARSAL_LABELS:=!slow}"
[ -n "$REHEARSAL_QUICK" ] && REHEARSAL_LABELS=${REHEARSAL_QUICK_LABELS:-method:curl && !slow}
REGISTRY_VERSION=v3.1.2
# A cluster of its own (not INPOD_CLUSTER: make exports that, default inpod).
INPOD_CLUSTER=${REHEARSAL_CLUSTER:-inpod-rehearsal}
export K8S_VERSION INPOD_CACHE INPOD_CLUSTER REPORT_DIR

reg=127.0.0.1:$REHEARSAL_PORT
daemon_json=/etc/docker/daemon.json
work=$(mktemp -d)
log() { printf '%s rehearsal: %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'rehearsal: %s\n' "$*" >&2; exit 1; }
start=$SECONDS
[ "$(id -u)" = 0 ] || die "run as root: the Docker engine's mirror is set in $daemon_json"
pidof dockerd >/dev/null || die "no dockerd runs here (the mirror is reloaded with SIGHUP, never by a restart)"
mkdir -p "$REPORT_DIR"
kubeconfig=$INPOD_CACHE/kind-$INPOD_CLUSTER.kubeconfig
kubectl=$INPOD_CACHE/bin/$K8S_VERSION/kubernetes/kubectl

log "the offline set and the stand-ins for $K8S_VERSION (cached by inputs)"
make --no-print-directory images >&2

registry=$INPOD_CACHE/tools/registry-$REGISTRY_VERSION
if [ ! -x "$registry" ]; then
  log "building distribution's registry $REGISTRY_VERSION from Go module sources"
  GOBIN=$work/bin go install "github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION"
  mkdir -p "$(dirname "$registry")" && mv "$work/bin/registry" "$registry"
fi

registry_pid=
mirror_set=
cleanup() {
  local rc=$?
  if [ -n "$mirror_set" ]; then
    # Only the mirror added here goes; an emptied list is dropped after dockerd
    # has reloaded it (a reload leaves the mirrors alone when the key is absent).
    jq --arg m "http://$reg" '.["registry-mirrors"] |= map(select(. != $m))' "$daemon_json" >"$work/d.json" &&
      cat "$work/d.json" >"$daemon_json" && kill -HUP "$(pidof dockerd)"
    for _ in $(seq 20); do docker info --format '{{json .RegistryConfig.Mirrors}}' | grep -qF "$reg" || break; sleep 0.5; done
    jq 'if .["registry-mirrors"] == [] then del(.["registry-mirrors"]) else . end' "$daemon_json" >"$work/d.json" &&
      cat "$work/d.json" >"$daemon_json" && kill -HUP "$(pidof dockerd)"
  fi
  [ -n "${REHEARSAL_KEEP:-}" ] || go run ./framework/cmd/inpodctl down >/dev/null 2>&1 || log "could not delete kind cluster $INPOD_CLUSTER"
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The registry listens on every address: the engine pushes to it on loopback,
# the kind node pulls from it at the kind network's gateway.
cat >"$work/config.yml" <<EOF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $work/storage
  delete:
    enabled: true
http:
  addr: 0.0.0.0:$REHEARSAL_PORT
EOF
"$registry" serve "$work/config.yml" >"$REPORT_DIR/rehearsal-registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do curl -fsS "http://$reg/v2/" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://$reg/v2/" >/dev/null || die "the registry did not answer on $reg (see $REPORT_DIR/rehearsal-registry.log)"
log "registry $REGISTRY_VERSION answers on port $REHEARSAL_PORT"

# The stand-ins, under their docker.io names (curlimages/curl:8.16.0 is served
# at curlimages/curl; an official image's name at library/NAME).
mapfile -t standins < <(go run ./framework/cmd/inpodctl standins)
for line in "${standins[@]}"; do
  local_ref=${line%%$'\t'*} published=${line#*$'\t'}
  path=$published
  [[ $path == */* ]] || path=library/$path
  docker tag "$local_ref" "$reg/$path"
  docker push -q "$reg/$path" >/dev/null || die "docker push $reg/$path failed"
  docker rmi "$reg/$path" >/dev/null
  # Nothing of the published name may stay in the engine: it must come from the registry.
  docker rmi "$published" >/dev/null 2>&1 || true
  log "stand-in $local_ref served as docker.io/$path"
done

[ -f "$daemon_json" ] || echo '{}' >"$daemon_json"
jq --arg m "http://$reg" '.["registry-mirrors"] = ((.["registry-mirrors"] // []) + [$m] | unique)' "$daemon_json" >"$work/d.json"
cat "$work/d.json" >"$daemon_json"
mirror_set=1
kill -HUP "$(pidof dockerd)"
for _ in $(seq 20); do docker info --format '{{json .RegistryConfig.Mirrors}}' | grep -qF "$reg" && break; sleep 0.5; done
docker info --format '{{json .RegistryConfig.Mirrors}}' | grep -qF "$reg" || die "dockerd did not take http://$reg as its docker.io mirror"

# The Go images' base: gcr.io is no docker.io mirror's, so the stand-in has a
# name of its own (GO_BASE); framework/images.StaticBaseFacts says what it reproduces.
go_base=$(go run ./framework/cmd/inpodctl standin-base --to "$reg/stand-ins/gcr.io/distroless/static-debian12:nonroot") ||
  die "pushing the stand-in for distroless static failed"
log "stand-in $go_base for gcr.io/distroless/static-debian12:nonroot (linux/amd64, linux/arm64)"

release_start=$SECONDS
# The kubectl probe at the cluster's own version (the offline node's, not kind's published one).
make --no-print-directory release REGISTRY="$reg/inpod" RELEASE_BUILD=local GO_BASE="$go_base" KUBECTL_REF="alpine/k8s:${K8S_VERSION#v}" >&2
log "make release took $((SECONDS - release_start))s"
declare -A ref
while IFS=$'\t' read -r k r; do ref[$k]=$r; done <dist/images.txt
# Each Go image is an index of both platforms, as the registry serves it.
for k in suite go; do
  repo=${ref[$k]#"$reg"/} && repo=${repo%%:*}
  plats=$(curl -fsS -H 'Accept: application/vnd.oci.image.index.v1+json' "http://$reg/v2/$repo/manifests/${ref[$k]##*@}" |
    jq -r '[.manifests[]?.platform | "\(.os)/\(.architecture)"] | join(", ")')
  [ "$plats" = "linux/amd64, linux/arm64" ] || die "the registry serves ${ref[$k]} for '$plats', not linux/amd64 and linux/arm64"
  log "image $k ${ref[$k]}: an index of $plats"
done

# The cluster: the offline node (the engine's), its containerd pulling through the registry.
export INPOD_NODE_MIRRORS="docker.io=http://@host:$REHEARSAL_PORT,$reg=http://@host:$REHEARSAL_PORT"
export IMAGES=published INPOD_NODE_FLAVOR=offline INPOD_NODE_IMAGE=inpod/kind-node:$K8S_VERSION
export CURL_IMAGE=${ref[curl]} PYTHON_IMAGE=${ref[python]} GO_IMAGE=${ref[go]} KUBECTL_IMAGE=${ref[kubectl]}
go run ./framework/cmd/inpodctl down >/dev/null 2>&1 || true
KEEP_CLUSTER=1 go run ./framework/cmd/inpodctl up 2>&1 | tee "$REPORT_DIR/rehearsal-up.log" >&2
if grep -q 'loading into the node' "$REPORT_DIR/rehearsal-up.log"; then die "images were loaded into the node: $(grep 'loading into the node' "$REPORT_DIR/rehearsal-up.log" | head -1)"; fi
node=$INPOD_CLUSTER-control-plane

# The Job, installed from the release asset alone. The label filter is the one
# edit a user might make; here with a kustomize-free sed on a copy.
job_yaml=$work/inpod-job.yaml
labels_sed=$(printf '%s' "$REHEARSAL_LABELS" | sed 's/[&|\\]/\\&/g')
sed "s|--ginkgo.label-filter=.*|--ginkgo.label-filter=$labels_sed|" dist/inpod-job.yaml >"$job_yaml"
grep -qF -- "--ginkgo.label-filter=$REHEARSAL_LABELS" "$job_yaml" || die "could not set the label filter $REHEARSAL_LABELS in the Job"
log "kubectl apply -f dist/inpod-job.yaml (label filter $REHEARSAL_LABELS)"
job_start=$SECONDS
"$kubectl" --kubeconfig "$kubeconfig" apply -f "$job_yaml" >&2
for _ in $(seq 1800); do
  state=$("$kubectl" --kubeconfig "$kubeconfig" -n inpod-system get job inpod -o jsonpath='{range .status.conditions[?(@.status=="True")]}{.type} {end}' 2>/dev/null || true)
  [[ $state == *Complete* || $state == *Failed* ]] && break
  # The suite ended in error without a report: the results container would wait
  # for the Job's deadline; say so now.
  suite_exit=$("$kubectl" --kubeconfig "$kubeconfig" -n inpod-system get pods -l job-name=inpod \
    -o jsonpath='{.items[0].status.containerStatuses[?(@.name=="suite")].state.terminated.exitCode}' 2>/dev/null || true)
  if [ -n "$suite_exit" ] && [ "$suite_exit" != 0 ]; then state="suite container exited $suite_exit"; break; fi
  sleep 2
done
verdict=$("$kubectl" --kubeconfig "$kubeconfig" -n inpod-system get configmap inpod-results -o jsonpath='{.data.verdict} passed={.data.passed} failed={.data.failed} skipped={.data.skipped}' 2>&1 || true)
log "Job inpod: ${state:-no condition} after $((SECONDS - job_start))s; ConfigMap inpod-system/inpod-results: $verdict"
if [[ $verdict != passed* || $state != *Complete* ]]; then
  "$kubectl" --kubeconfig "$kubeconfig" -n inpod-system logs job/inpod -c suite --tail=30 >&2 || true
  die "the Job installed from dist/inpod-job.yaml did not pass"
fi
"$kubectl" --kubeconfig "$kubeconfig" -n inpod-system delete job inpod --wait=false >/dev/null 2>&1 || true

# REHEARSAL_CRONJOB=1: dist/inpod-cronjob.yaml, scheduled runs, drift found and reverted.
if [ -n "${REHEARSAL_CRONJOB:-}" ]; then
  # shellcheck source=scripts/rehearsal-cronjob.sh
  . scripts/rehearsal-cronjob.sh
fi

if [ -z "$REHEARSAL_QUICK" ]; then
  log "make e2e IMAGES=published on $INPOD_CLUSTER, probes from the release"
  e2e_start=$SECONDS
  KEEP_CLUSTER=1 make --no-print-directory e2e 2>&1 | tee "$REPORT_DIR/rehearsal-e2e.log" >&2 || die "make e2e IMAGES=published failed; see $REPORT_DIR/rehearsal-e2e.log"
  log "make e2e IMAGES=published passed in $((SECONDS - e2e_start))s"
  # The Job and Sonobuoy as `make` runs them, the suite image the release's: the
  # node pulls it (only Sonobuoy's image, built here from its module source, is loaded).
  for target in job sonobuoy; do
    log "make $target IMAGES=published, suite image ${ref[suite]}"
    t_start=$SECONDS
    SUITE_IMAGE=${ref[suite]} KEEP_CLUSTER=1 make --no-print-directory "$target" 2>&1 | tee "$REPORT_DIR/rehearsal-$target.log" >&2 ||
      die "make $target IMAGES=published failed; see $REPORT_DIR/rehearsal-$target.log"
    if grep -q 'loading into the node' "$REPORT_DIR/rehearsal-$target.log"; then
      grep 'loading into the node' "$REPORT_DIR/rehearsal-$target.log" | grep -qv 'sonobuoy' &&
        die "make $target loaded a pulled image into the node: $(grep 'loading into the node' "$REPORT_DIR/rehearsal-$target.log" | head -1)"
    fi
    log "make $target IMAGES=published passed in $((SECONDS - t_start))s"
  done
fi

# Who pulled what: containerd's own log in the node.
# containerd logs in logfmt: msg="PullImage \"REF\" returns image reference \"sha256:…\"".
docker exec "$node" journalctl -u containerd --no-pager -o cat 2>/dev/null |
  grep -oE 'PullImage \\?"[^"\\]+\\?" returns image reference \\?"[^"\\]+' |
  sed -E 's/PullImage \\?"([^"\\]+)\\?" returns image reference \\?"(.*)/\1 → \2/' |
  sort -u >"$REPORT_DIR/rehearsal-pulls.txt" || true
pulls=$(wc -l <"$REPORT_DIR/rehearsal-pulls.txt")
log "the node pulled $pulls image(s) itself (containerd journal, reports/rehearsal-pulls.txt):"
sed 's/^/    /' "$REPORT_DIR/rehearsal-pulls.txt" >&2
used=(suite curl python go kubectl)
[ -z "$REHEARSAL_QUICK" ] || [ -n "$REHEARSAL_CRONJOB" ] || used=(suite curl) # the quick Job runs the curl specs only
for k in "${used[@]}"; do
  grep -qF "${ref[$k]}" "$REPORT_DIR/rehearsal-pulls.txt" || die "the node never pulled the $k image ${ref[$k]}"
done
# What crossed the wire: the blobs the node fetched, from the registry's access log.
node_ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$node")
read -r blobs bytes < <(awk -v ip="$node_ip" '$1 == ip && $7 ~ /^\/v2\/.*\/blobs\// && $6 == "\"GET" && $9 == 200 {n++; b += $10} END {print n + 0, b + 0}' "$REPORT_DIR/rehearsal-registry.log")
log "the node ($node_ip) fetched $blobs blobs, $((bytes / 1048576)) MiB, from the registry (its access log)"
[ "$blobs" -gt 0 ] || die "the registry's access log shows no blob fetched by the node"
cat >&2 <<EOF
$(date +%T) rehearsal: passed in $((SECONDS - start))s. Not rehearsed here, and why:
    - the Python probe's published Dockerfile: RELEASE_BUILD=buildx needs docker buildx, QEMU for arm64's
      pip, python:3.12-slim and PyPI; here its bytes are this machine's offline build, one platform
    - the arm64 half of the Go images was pushed and listed, never run (no arm64 node here)
    - distroless static: its stand-in (GO_BASE) reproduces the users, /tmp, the CA bundle, USER, WORKDIR and
      PATH, not tzdata, netbase or Debian's os-release
    - alpine/k8s: its stand-in reproduces root, WORKDIR /apps, CMD /bin/sh, PATH, sh and kubectl; not bash,
      jq, helm or the other tools it ships
    - kindest/node: the node image is inpod's offline node, taken from the engine (kind never pulls it)
    - registry authentication and TLS: the registry is plain HTTP without credentials
    - a schedule over days (REHEARSAL_CRONJOB runs one a minute), and Events past the API server's --event-ttl
    - sonobuoy/sonobuoy: make sonobuoy runs Sonobuoy's image built here from its Go module source (loaded);
      the published image's base and scripts were not met
EOF
