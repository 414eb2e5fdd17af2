#!/usr/bin/env bash
# make release REGISTRY=host[:port]/path [VERSION=v…] [RELEASE_BUILD=local|buildx]
#
# Publishes what a user installs inpod from, into REGISTRY, and writes dist/:
#   inpodctl-{linux,darwin}-{amd64,arm64}, checksums.txt   the CLI, with checksums
#   images.txt                                             every image the Job runs, by digest
#   inpod-job.yaml                                         manifests/job, one file, images by digest
#   inpod-cronjob.yaml                                     the same with the Job as a CronJob (SCHEDULE)
#
# inpod's own images are suite, probe-go and probe-python; the results container
# and the curl probe are curlimages/curl, and the kubectl probe alpine/k8s, pinned
# by the digest the registry serving docker.io names answers (in the rehearsal,
# a registry of stand-ins: manifests/images/stand-ins.yaml).
#
# suite and probe-go, in both modes, by `inpodctl build-image` (framework/images
# GoImages): cross-compiled for each of PLATFORMS (CGO off: no emulator) on GO_BASE
# (default distroless static by digest; the rehearsal's stand-in) and pushed as
# an index.
# probe-python, RELEASE_BUILD=buildx (the release workflow): built from
# manifests/probes/python/Dockerfile.probe for PLATFORMS by `docker buildx build
# --push` (pip needs PyPI, QEMU runs arm64's pip).
# probe-python, RELEASE_BUILD=local (the rehearsal: no PyPI, no buildx): the
# offline image built here by scripts/images, one platform, pushed as is.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${REGISTRY:?make release: REGISTRY=host[:port]/path is required (e.g. ghcr.io/you/inpod, 127.0.0.1:5055/inpod)}"
: "${VERSION:=$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
: "${RELEASE_BUILD:=local}"
: "${PLATFORMS:=linux/amd64,linux/arm64}"
: "${GO_BASE:=}"
: "${SCHEDULE:=17 */6 * * *}"
: "${DIST:=$PWD/dist}"
: "${K8S_VERSION:=$(cat K8S_VERSION)}"
: "${CURL_REF:=curlimages/curl:8.16.0}"
: "${KUBECTL_REF:=$(go run ./framework/cmd/inpodctl images 2>/dev/null | awk '$1 == "kubectl" && $2 ~ /^alpine/ {print $2}')}"
: "${KUBECTL_REF:=alpine/k8s:${K8S_VERSION#v}}"
log() { printf '%s release: %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'release: %s\n' "$*" >&2; exit 1; }
start=$SECONDS

case $RELEASE_BUILD in local | buildx) ;; *) die "RELEASE_BUILD=$RELEASE_BUILD: want local or buildx" ;; esac
[[ $REGISTRY =~ ^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+$ ]] || die "REGISTRY=$REGISTRY is not host[:port]/path"
rm -rf "$DIST" && mkdir -p "$DIST"

# The CLI for four platforms, static, stamped with the version.
for os in linux darwin; do
  for arch in amd64 arm64; do
    CGO_ENABLED=0 GOOS=$os GOARCH=$arch go build -trimpath -ldflags "-s -w" -o "$DIST/inpodctl-$os-$arch" ./framework/cmd/inpodctl ||
      die "go build inpodctl for $os/$arch failed"
  done
done
(cd "$DIST" && sha256sum inpodctl-* >checksums.txt)
log "inpodctl for linux/darwin × amd64/arm64, checksums in dist/checksums.txt"

# digest_of REF: the manifest digest the registry answers for REF (the engine
# pulls it first), as NAME@sha256:….
digest_of() {
  local ref=$1 name=${1%:*} d host=docker.io
  [[ ${ref%%/*} == *[.:]* ]] && host=${ref%%/*}
  docker pull -q "$ref" >/dev/null || die "docker pull $ref failed: the registry serving $host names (or the engine's mirror of it) does not have it"
  d=$(docker image inspect --format '{{join .RepoDigests "\n"}}' "$ref" | grep -m1 -F "${name#docker.io/}@" || true)
  [ -n "$d" ] || die "$ref: the engine recorded no digest from its registry"
  echo "docker.io/${name#docker.io/}:${ref##*:}@${d#*@}"
}

# push LOCAL NAME: LOCAL pushed as REGISTRY/NAME:VERSION; prints NAME:VERSION@digest.
push_local() {
  local src=$1 dst=$REGISTRY/$2:$VERSION out d
  docker image inspect "$src" >/dev/null 2>&1 || die "$src is not built here (make images; scripts/images/suite.sh)"
  docker tag "$src" "$dst"
  out=$(docker push "$dst") || die "docker push $dst failed"
  d=$(sed -n 's/.*digest: \(sha256:[0-9a-f]\{64\}\).*/\1/p' <<<"$out" | tail -1)
  [ -n "$d" ] || die "the registry reported no digest for $dst"
  echo "$dst@$d"
}

# push_buildx DOCKERFILE CONTEXT NAME: built for PLATFORMS and pushed.
push_buildx() {
  local dst=$REGISTRY/$3:$VERSION meta
  meta=$(mktemp)
  docker buildx build --platform "$PLATFORMS" --push --metadata-file "$meta" -f "$1" -t "$dst" "$2" >&2 ||
    die "docker buildx build of $dst from $1 failed"
  echo "$dst@$(jq -r '."containerimage.digest"' "$meta")"
  rm -f "$meta"
}

# push_go NAME: one of inpod's Go images, built for PLATFORMS and pushed.
push_go() {
  local out
  out=$(go run ./framework/cmd/inpodctl build-image "$1" --to "$REGISTRY/$1:$VERSION" --platforms "$PLATFORMS" ${GO_BASE:+--base "$GO_BASE"}) ||
    die "inpodctl build-image $1 failed"
  echo "$out"
}

declare -A ref
ref[suite]=$(push_go suite)
ref[go]=$(push_go probe-go)
if [ "$RELEASE_BUILD" = buildx ]; then
  ref[python]=$(push_buildx manifests/probes/python/Dockerfile.probe manifests/probes/python probe-python)
else
  ref[python]=$(push_local inpod/probe-python:offline probe-python)
fi
ref[curl]=$(digest_of "$CURL_REF")
ref[kubectl]=$(digest_of "$KUBECTL_REF")
ref[results]=${ref[curl]}

for k in suite results curl python go kubectl; do printf '%s\t%s\n' "$k" "${ref[$k]}"; done >"$DIST/images.txt"
while IFS=$'\t' read -r k r; do log "image $k: $r"; done <"$DIST/images.txt"

go run ./framework/cmd/inpodctl release-manifest --version "$VERSION" -o "$DIST/inpod-job.yaml" \
  --suite "${ref[suite]}" --results "${ref[results]}" \
  --probe "curl=${ref[curl]}" --probe "python=${ref[python]}" --probe "go=${ref[go]}" --probe "kubectl=${ref[kubectl]}"
go run ./framework/cmd/inpodctl release-manifest --version "$VERSION" --schedule "$SCHEDULE" -o "$DIST/inpod-cronjob.yaml" \
  --suite "${ref[suite]}" --results "${ref[results]}" \
  --probe "curl=${ref[curl]}" --probe "python=${ref[python]}" --probe "go=${ref[go]}" --probe "kubectl=${ref[kubectl]}"
log "dist/inpod-job.yaml: kubectl apply -f it; done in $((SECONDS - start))s ($RELEASE_BUILD build, version $VERSION)"
