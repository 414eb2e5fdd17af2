#!/usr/bin/env bash
# The suite image inpod/suite:offline (manifests/images/suite/Dockerfile): the
# compiled suites (go test -c, static; verify.test runs when the Job is given an
# intent file) on an empty base. The in-cluster Job (manifests/job) runs it.
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

REF=${SUITE_IMAGE:-$IMAGE_PREFIX/suite:offline}

build() {
  local out=$BIN/../suite/${REF//[:\/]/_} # per image: clones building their own SUITE_IMAGE do not share it
  mkdir -p "$out"
  (cd "$ROOT" && go test -c -ldflags "-s -w" -o "$out/inpod.test" ./suites/inpod &&
    go test -c -ldflags "-s -w" -o "$out/verify.test" ./suites/verify) || die "compiling the suites failed"
  dockerfile_image "$REF" suite "$(scratch_base)" "$out/inpod.test" "$out/verify.test"
}

timed "suite image" build
