#!/usr/bin/env bash
# The published path (IMAGES=published), rehearsed on a machine that reaches no
# registry. A real registry (distribution's `registry`, built from Go module
# sources) listens on loopback and becomes the Docker engine's mirror for
# docker.io; the offline images are pushed into it under the published names;
# every published-name image is removed from the local engine; then
# `make e2e IMAGES=auto` must decide for the published set, build nothing offline,
# and get every image it runs through `docker pull`. Before the registry starts,
# IMAGES=auto must decide for the offline set (this machine reaches no registry).
#
# Where it is not faithful (README, "The published path, rehearsed"):
# - the bytes are the offline images, and the node image is pulled by the digest
#   this registry reports, not by kind's published digest;
# - the Python and Go probes are built from their Dockerfiles on the real path
#   (PyPI, golang image); here the offline probes are pulled instead, under
#   rehearsal names set through PYTHON_IMAGE/GO_IMAGE;
# - layers already in the engine (the offline images share them) are not
#   transferred again: the pull fetches manifest and config and finds the layers.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${K8S_VERSION:=$(cat K8S_VERSION)}"
: "${INPOD_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/inpod}"
# A cluster of its own, created from the pulled node image and deleted at the end
# (a kept cluster of another image would otherwise be reused). Not INPOD_CLUSTER:
# make exports that (default inpod), and the rehearsal must not take another
# run's cluster.
INPOD_CLUSTER=${REHEARSAL_CLUSTER:-inpod-rehearsal}
: "${REPORT_DIR:=$PWD/reports}"
: "${REHEARSAL_PORT:=5055}"
REGISTRY_VERSION=v3.1.2
export K8S_VERSION INPOD_CACHE INPOD_CLUSTER REPORT_DIR

reg=127.0.0.1:$REHEARSAL_PORT
mirror=http://$reg
work=$(mktemp -d)
daemon_json=/etc/docker/daemon.json
log() { printf '%s rehearsal: %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'rehearsal: %s\n' "$*" >&2; exit 1; }
start=$SECONDS

[ "$(id -u)" = 0 ] || die "run as root: the Docker engine's mirror is set in $daemon_json"
pidof dockerd >/dev/null || die "no dockerd runs here (the mirror is reloaded with SIGHUP, never by a restart)"
mkdir -p "$REPORT_DIR"

# The offline set: the bytes the registry will serve under the published names.
log "building the offline set for $K8S_VERSION (cached by inputs)"
make --no-print-directory images >&2

# decide: what IMAGES=auto picks now, as "mode: reason".
decide() {
  local out mode
  out=$(IMAGES=auto go run ./framework/cmd/inpodctl decide 2>&1) || die "inpodctl decide failed: $out"
  mode=$(tail -1 <<<"$out")
  echo "$mode: $(head -1 <<<"$out" | sed 's/^inpodctl: //')"
}
before=$(decide)
log "no registry yet; IMAGES=auto picks $before"
[[ $before == offline:* ]] || log "note: this machine reaches a registry, so the offline half of the check says nothing here"

registry=$INPOD_CACHE/tools/registry-$REGISTRY_VERSION
if [ ! -x "$registry" ]; then
  log "building distribution's registry $REGISTRY_VERSION from Go module sources"
  GOBIN=$work/bin go install "github.com/distribution/distribution/v3/cmd/registry@$REGISTRY_VERSION"
  mkdir -p "$(dirname "$registry")" && mv "$work/bin/registry" "$registry"
fi

registry_pid=
mirror_set=
pushed=()
cleanup() {
  local rc=$?
  if [ -n "$mirror_set" ]; then
    # Remove only the mirror this script added, so a concurrent edit survives.
    # dockerd's reload leaves the mirrors alone when the key is absent, so the
    # list is first reloaded without it, then an emptied key is dropped.
    jq --arg m "$mirror" '.["registry-mirrors"] |= map(select(. != $m))' "$daemon_json" >"$work/daemon.json" &&
      cat "$work/daemon.json" >"$daemon_json" && kill -HUP "$(pidof dockerd)"
    for _ in $(seq 20); do docker info --format '{{json .RegistryConfig.Mirrors}}' | grep -qF "$mirror" || break; sleep 0.5; done
    jq 'if .["registry-mirrors"] == [] then del(.["registry-mirrors"]) else . end' "$daemon_json" >"$work/daemon.json" &&
      cat "$work/daemon.json" >"$daemon_json" && kill -HUP "$(pidof dockerd)"
    log "Docker's mirrors for docker.io now: $(docker info --format '{{json .RegistryConfig.Mirrors}}')"
  fi
  make --no-print-directory cluster-down >/dev/null 2>&1 || log "could not delete kind cluster $INPOD_CLUSTER"
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null
  [ ${#pushed[@]} -gt 0 ] && docker rmi "${pushed[@]}" >/dev/null 2>&1
  rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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
  addr: $reg
EOF
"$registry" serve "$work/config.yml" >"$REPORT_DIR/rehearsal-registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 50); do curl -fsS "$mirror/v2/" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "$mirror/v2/" >/dev/null || die "the registry did not answer on $reg (see $REPORT_DIR/rehearsal-registry.log)"
log "registry $REGISTRY_VERSION answers on $reg (loopback only)"

[ -f "$daemon_json" ] || echo '{}' >"$daemon_json"
jq --arg m "$mirror" '.["registry-mirrors"] = ((.["registry-mirrors"] // []) + [$m] | unique)' "$daemon_json" >"$work/daemon.json"
cat "$work/daemon.json" >"$daemon_json"
mirror_set=1
kill -HUP "$(pidof dockerd)"
for _ in $(seq 20); do docker info --format '{{json .RegistryConfig.Mirrors}}' | grep -qF "$mirror" && break; sleep 0.5; done
docker info --format '{{json .RegistryConfig.Mirrors}}' | grep -qF "$mirror" || die "dockerd did not take $mirror as its mirror after SIGHUP"
log "Docker's mirror for docker.io: $(docker info --format '{{json .RegistryConfig.Mirrors}}')"

# push OFFLINE PUBLISHED: serve the offline image under a docker.io name; sets
# digest to the manifest digest the registry reports.
digest=
push() {
  local offline=$1 name=$2 out
  docker tag "$offline" "$reg/$name"
  pushed+=("$reg/$name")
  out=$(docker push "$reg/$name") || die "docker push $reg/$name failed"
  digest=$(sed -n 's/.*digest: \(sha256:[0-9a-f]\{64\}\).*/\1/p' <<<"$out" | tail -1)
  [ -n "$digest" ] || die "the registry reported no digest for $name"
}

push "inpod/kind-node:$K8S_VERSION" "kindest/node:$K8S_VERSION"
node_digest=$digest
export IMAGES=auto
# The node is inpod's offline build under kind's name: say so, so the run takes
# the offline cluster config (static CNI, no kindnet) and cluster-only DNS.
export INPOD_NODE_FLAVOR=offline
export INPOD_NODE_IMAGE=kindest/node:$K8S_VERSION@$node_digest
export PYTHON_IMAGE=inpod/probe-python:rehearsal GO_IMAGE=inpod/probe-go:rehearsal
declare -A offline_of=(
  [curl]=inpod/probe-curl:offline [kubectl]=inpod/probe-kubectl:$K8S_VERSION
  [python]=inpod/probe-python:offline [go]=inpod/probe-go:offline
)
mapfile -t used < <(go run ./framework/cmd/inpodctl images 2>/dev/null)
for line in "${used[@]}"; do
  m=${line%%$'\t'*} ref=${line#*$'\t'}
  [ "$m" = node ] && continue
  push "${offline_of[$m]}" "$ref"
done
log "pushed under published names: kindest/node:$K8S_VERSION ($node_digest) and ${used[*]//$'\t'/=}"

# Nothing published may be in the engine before the run: remove each name (a
# tag; the offline images keep their layers).
for line in "${used[@]}"; do
  ref=${line#*$'\t'}
  [[ $ref == *@* ]] && ref=${ref%%:*}@${ref#*@} # name:tag@digest is removed as name@digest
  docker rmi "$ref" >/dev/null 2>&1 || true
  if docker image inspect "$ref" >/dev/null 2>&1; then die "$ref is still in the local engine"; fi
done
after=$(decide)
log "published names absent from the local engine; with the registry up IMAGES=auto picks $after"
[[ $after == published:* ]] || die "IMAGES=auto did not pick the published set with the registry answering: $after"

run_log=$REPORT_DIR/rehearsal.log
make --no-print-directory cluster-down >/dev/null 2>&1 || true
log "make e2e IMAGES=auto on a new kind cluster $INPOD_CLUSTER (log: $run_log)"
rc=0
make --no-print-directory e2e 2>&1 | tee "$run_log" || rc=$?
[ "$rc" = 0 ] || die "make e2e IMAGES=auto failed (exit $rc); see $run_log"
grep -qF "images: published set (IMAGES=auto and" "$run_log" || die "the run did not say it used the published set; see $run_log"
grep -qF "creating kind cluster $INPOD_CLUSTER from $INPOD_NODE_IMAGE" "$run_log" || die "the run did not create its cluster from the pulled $INPOD_NODE_IMAGE; see $run_log"
# scripts/images/*.sh log as "HH:MM:SS images: ..."; none may appear.
if grep -qE '^[0-9:]{8} images: ' "$run_log"; then die "IMAGES=auto built offline images with the registry answering: $(grep -E '^[0-9:]{8} images: ' "$run_log" | head -1)"; fi
log "the run decided for the published set and built no offline image"

# Every image the run used must have come through `docker pull` from the mirror.
# The registry's access log says what the pull asked it for: the engine keeps the
# manifests it pushed, so a tag costs a HEAD and a digest may cost nothing.
missing=0
for line in "${used[@]}"; do
  ref=${line#*$'\t'}
  if grep -qF "$ref: docker pull from docker.io (through the engine's mirror $mirror" "$run_log"; then
    n=$(grep -cE "\"(GET|HEAD) /v2/${ref%%[:@]*}/manifests/" "$REPORT_DIR/rehearsal-registry.log" || true)
    log "docker pull through the mirror: $ref (manifest requests to the registry: $n)"
  else
    log "NOT pulled through the mirror: $ref"
    missing=1
  fi
done
[ "$missing" = 0 ] || die "not every image came through docker pull"
log "passed in $((SECONDS - start))s: every image the run used came through docker pull from $reg"
