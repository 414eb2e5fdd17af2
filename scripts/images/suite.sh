#!/usr/bin/env bash
# The suite image inpod/suite:offline: the compiled suite (go test -c, static) on an
# empty base, non-root, fine with a read-only root filesystem. The in-cluster Job
# (manifests/job) runs it.
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

REF=${SUITE_IMAGE:-$IMAGE_PREFIX/suite:offline}

build() {
  local out=$BIN/../suite/${REF//[:\/]/_} # per image: clones building their own SUITE_IMAGE do not share it
  mkdir -p "$out"
  (cd "$ROOT" && go test -c -ldflags "-s -w" -o "$out/inpod.test" ./suites/inpod) || die "compiling the suite failed"
  scratch_image "$REF" "$out/inpod.test" /usr/local/bin/inpod.test 'ENV HOME=/tmp INPOD_PROVIDER=in-cluster REPORT_DIR=/results
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/inpod.test"]'
}

timed "suite image" build
