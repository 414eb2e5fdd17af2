#!/usr/bin/env bash
# Probe images, one per method of the guide, built offline from the Dockerfiles in
# manifests/images/probe-*:
#   curl    a stand-in for curlimages/curl: Debian minbase + curl + busybox sh, no jq
#           (manifests/images/stand-ins.yaml)
#   python  Debian minbase + python3 + python3-kubernetes + the guide's app.py
#   go      the guide's main.go and inpod's request probe, static, on an empty base
#   kubectl kubectl built at the cluster's version + a static busybox for sh/sleep
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

PROBES=$ROOT/manifests/probes

curl_image() {
  dockerfile_image "$IMAGE_PREFIX/probe-curl:offline" probe-curl "$(curl_base)" "$ROOT/manifests/images/probe-curl/entrypoint.sh"
}

python_image() {
  dockerfile_image "$IMAGE_PREFIX/probe-python:offline" probe-python "$(python_base)" \
    "$PROBES/python/app.py" "$PROBES/python/inpod_request.py"
}

go_image() {
  dockerfile_image "$IMAGE_PREFIX/probe-go:offline" probe-go "$(scratch_base)" \
    "$BIN/local/guide-main" "$BIN/local/inpod-request"
}

kubectl_image() {
  local busybox=/bin/busybox
  dpkg -s busybox-static >/dev/null 2>&1 || { log "installing busybox-static"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null; } ||
    die "busybox-static is needed for the kubectl probe image"
  dockerfile_image "$IMAGE_PREFIX/probe-kubectl:$K8S_VERSION" probe-kubectl "$(scratch_base)" \
    "$BIN/kubernetes/kubectl" "$busybox"
}

# A stand-in for alpine/k8s (the published kubectl probe): the kubectl probe's
# inputs with the real image's config (manifests/images/stand-ins.yaml).
alpine_k8s_standin() {
  dockerfile_image "$IMAGE_PREFIX/stand-in-alpine-k8s:$K8S_VERSION" stand-in-alpine-k8s "$(scratch_base)" \
    "$BIN/kubernetes/kubectl" /bin/busybox
}

timed "probe curl" curl_image
timed "probe python" python_image
timed "probe go" go_image
timed "probe kubectl" kubectl_image
timed "stand-in alpine/k8s" alpine_k8s_standin
# Each stand-in's config must say what the real image's does.
(cd "$ROOT" && go run ./framework/cmd/inpodctl standins) >/dev/null || die "a stand-in differs from manifests/images/stand-ins.yaml"
