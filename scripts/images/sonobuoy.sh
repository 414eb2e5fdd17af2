#!/usr/bin/env bash
# Sonobuoy from Go module sources, and its image inpod/sonobuoy:$SONOBUOY_VERSION:
# the static binary as /sonobuoy on an empty base with /tmp and a passwd, like
# upstream's image (one binary is the CLI, the aggregator and the plugin worker).
# The CLI lands in $INPOD_CACHE/tools/sonobuoy.
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

: "${SONOBUOY_VERSION:=v0.57.5}"
REF=${SONOBUOY_IMAGE:-$IMAGE_PREFIX/sonobuoy:$SONOBUOY_VERSION}

build() {
  # Its root package is its main; `go get` of it without a version asks the proxy
  # for the module's list, which it refuses, so it is wrapped like etcd.
  wrapped sonobuoy "github.com/vmware-tanzu/sonobuoy@$SONOBUOY_VERSION" 'package main

import (
	"os"

	"github.com/vmware-tanzu/sonobuoy/cmd/sonobuoy/app"
)

func main() {
	if err := app.NewSonobuoyCommand().Execute(); err != nil {
		os.Exit(1)
	}
}'
  mkdir -p "$INPOD_CACHE/tools"
  cp "$BIN/sonobuoy/sonobuoy" "$INPOD_CACHE/tools/sonobuoy"
  dockerfile_image "$REF" sonobuoy "$(scratch_base)" "$BIN/sonobuoy/sonobuoy"
}

timed "sonobuoy $SONOBUOY_VERSION" build
