#!/usr/bin/env bash
# The suite image inpod/suite:offline: the compiled suite (go test -c, static) on an
# empty base, non-root, fine with a read-only root filesystem. The in-cluster Job
# (manifests/job) runs it.
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

REF=${SUITE_IMAGE:-$IMAGE_PREFIX/suite:offline}

build() {
  local out=$BIN/../suite base k ctx
  mkdir -p "$out"
  (cd "$ROOT" && go test -c -ldflags "-s -w" -o "$out/inpod.test" ./suites/inpod) || die "compiling the suite failed"
  base=$(scratch_base)
  k=$(key "$REF" "$base" "$out/inpod.test" "$(declare -f build)")
  image_fresh "$REF" "$k" && { log "$REF: cached"; return; }
  ctx=$(context suite)
  ln "$base" "$ctx/base.tar" 2>/dev/null || cp "$base" "$ctx/base.tar"
  cp "$out/inpod.test" "$ctx/"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
ADD base.tar /
COPY inpod.test /usr/local/bin/inpod.test
ENV HOME=/tmp INPOD_PROVIDER=in-cluster REPORT_DIR=/results
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/inpod.test"]
DOCKERFILE
  docker_image "$REF" "$k" "$ctx"
}

timed "suite image" build
