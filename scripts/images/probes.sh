#!/usr/bin/env bash
# Probe images, one per method of the guide, built offline:
#   curl    Debian minbase + curl + jq + ca-certificates
#   python  Debian minbase + python3 + python3-kubernetes + the guide's app.py
#   go      the guide's main.go and inpod's request probe, static, on an empty base
#   kubectl kubectl built at the cluster's version + a static busybox for sh/sleep
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

PROBES=$ROOT/manifests/probes

finish() { # finish REF KEY CTX
  docker_image "$1" "$2" "$3"
}

curl_image() {
  local ref=$IMAGE_PREFIX/probe-curl:offline base k ctx
  base=$(rootfs probe-curl minbase curl jq ca-certificates)
  k=$(key "$ref" "$base" "$0")
  image_fresh "$ref" "$k" && { log "$ref: cached"; return; }
  ctx=$(context probe-curl)
  ln "$base" "$ctx/base.tar" 2>/dev/null || cp "$base" "$ctx/base.tar"
  printf 'FROM scratch\nADD base.tar /\nUSER 65532:65532\nCMD ["sleep", "infinity"]\n' >"$ctx/Dockerfile"
  finish "$ref" "$k" "$ctx"
}

python_image() {
  local ref=$IMAGE_PREFIX/probe-python:offline base k ctx
  # python3-cffi-backend is named because debootstrap does not resolve the virtual
  # packages python3-cryptography depends on.
  base=$(rootfs probe-python minbase python3 python3-kubernetes python3-cffi-backend ca-certificates)
  k=$(key "$ref" "$base" "$PROBES/python/app.py" "$PROBES/python/inpod_request.py" "$0")
  image_fresh "$ref" "$k" && { log "$ref: cached"; return; }
  ctx=$(context probe-python)
  ln "$base" "$ctx/base.tar" 2>/dev/null || cp "$base" "$ctx/base.tar"
  cp "$PROBES/python/app.py" "$PROBES/python/inpod_request.py" "$ctx/"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
ADD base.tar /
WORKDIR /app
COPY app.py inpod_request.py /app/
USER 65532:65532
CMD ["sleep", "infinity"]
DOCKERFILE
  finish "$ref" "$k" "$ctx"
}

go_image() {
  local ref=$IMAGE_PREFIX/probe-go:offline base k ctx
  base=$(scratch_base)
  k=$(key "$ref" "$base" "$BIN/local/.inpod-key" "$0")
  image_fresh "$ref" "$k" && { log "$ref: cached"; return; }
  ctx=$(context probe-go)
  ln "$base" "$ctx/base.tar" 2>/dev/null || cp "$base" "$ctx/base.tar"
  cp "$BIN/local/guide-main" "$BIN/local/inpod-request" "$ctx/"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
ADD base.tar /
COPY guide-main inpod-request /app/
USER 65532:65532
CMD ["/app/inpod-request", "sleep"]
DOCKERFILE
  finish "$ref" "$k" "$ctx"
}

kubectl_image() {
  local ref=$IMAGE_PREFIX/probe-kubectl:$K8S_VERSION base k ctx busybox=/bin/busybox
  dpkg -s busybox-static >/dev/null 2>&1 || { log "installing busybox-static"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null; } ||
    die "busybox-static is needed for the kubectl probe image"
  base=$(scratch_base)
  k=$(key "$ref" "$base" "$BIN/kubernetes/.inpod-key" "$busybox" "$0")
  image_fresh "$ref" "$k" && { log "$ref: cached"; return; }
  ctx=$(context probe-kubectl)
  ln "$base" "$ctx/base.tar" 2>/dev/null || cp "$base" "$ctx/base.tar"
  cp "$BIN/kubernetes/kubectl" "$busybox" "$ctx/"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
ADD base.tar /
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY kubectl /usr/local/bin/kubectl
ENV PATH=/usr/local/bin:/bin HOME=/tmp
USER 65532:65532
CMD ["sleep", "infinity"]
DOCKERFILE
  finish "$ref" "$k" "$ctx"
}

timed "probe curl" curl_image
timed "probe python" python_image
timed "probe go" go_image
timed "probe kubectl" kubectl_image
