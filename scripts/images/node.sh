#!/usr/bin/env bash
# The kind node image inpod/kind-node:$K8S_VERSION: a Debian rootfs with systemd,
# containerd built from source, the Kubernetes node binaries, a static CNI config,
# and every image kubeadm needs preloaded into containerd, so the node pulls nothing.
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

NODE_REF=${NODE_IMAGE:-$IMAGE_PREFIX/kind-node:$K8S_VERSION}
FILES=$ROOT/manifests/images/node/files
build() {
  local base k images pause
  base=$(node_base)
  mapfile -t images < <(kubeadm_images)
  pause=$(printf '%s\n' "${images[@]}" | grep '/pause:')
  local ids=()
  for ref in "${images[@]}"; do
    ids+=("$(docker image inspect --format '{{.Id}}' "$ref" 2>/dev/null)") || die "$ref is missing; run scripts/images/control-plane.sh"
  done
  local files
  mapfile -t files < <(find "$FILES" -type f | sort)
  k=$(key node "$K8S_VERSION" "$base" "${ids[@]}" "$0" "${files[@]}" \
    "$BIN/kubernetes/.inpod-key" "$BIN/containerd/.inpod-key" "$BIN/crictl/.inpod-key" "$ROOT/manifests/images/node/Dockerfile")
  image_fresh "$NODE_REF" "$k" && { log "$NODE_REF: cached"; return; }

  local ctx
  ctx=$(context node)
  ln "$base" "$ctx/base.tar" 2>/dev/null || cp "$base" "$ctx/base.tar"
  cp -a "$FILES" "$ctx/files"
  sed -i "s|@PAUSE_IMAGE@|$pause|" "$ctx/files/etc/containerd/config.toml"
  mkdir -p "$ctx/files/usr/bin" "$ctx/files/usr/local/bin" "$ctx/files/kind" "$ctx/files/etc/kubernetes/manifests"
  cp "$BIN"/kubernetes/{kubeadm,kubelet,kubectl} "$ctx/files/usr/bin/"
  cp "$BIN"/containerd/{containerd,ctr,containerd-shim-runc-v2} "$BIN/crictl/crictl" "$ctx/files/usr/local/bin/"
  echo "$K8S_VERSION" >"$ctx/files/kind/version"
  cp "$ROOT/manifests/images/node/Dockerfile" "$ctx/Dockerfile"
  local tmp=$IMAGE_PREFIX/kind-node-unloaded:$K8S_VERSION
  DOCKER_BUILDKIT=0 docker build -q -t "$tmp" "$ctx" >"$ctx/build.log" 2>&1 ||
    die "docker build of the node image failed: $(tail -n 3 "$ctx/build.log" | tr '\n' ' ')"
  preload "$tmp" "$k" "${images[@]}"
  docker rmi "$tmp" >/dev/null 2>&1 || true
  rm -rf "$ctx"
  log "$NODE_REF: built"
}

# preload IMAGE KEY REFS...: import REFS into the image's containerd and commit it as NODE_REF.
preload() {
  local img=$1 k=$2 c=inpod-node-preload-$$
  shift 2
  docker rm -f "$c" >/dev/null 2>&1 || true
  docker run -d --init --name "$c" --privileged --entrypoint=sleep "$img" infinity >/dev/null || die "cannot start $img to preload images"
  trap 'docker rm -f '"$c"' >/dev/null 2>&1 || true' EXIT
  docker exec "$c" sh -c 'mkdir -p /run/containerd; (containerd >/var/log/preload-containerd.log 2>&1 &)
    for i in $(seq 1 60); do ctr version >/dev/null 2>&1 && exit 0; sleep 0.5; done; exit 1' ||
    die "containerd did not start inside $img"
  docker save "$@" | docker exec -i "$c" ctr -n k8s.io images import --all-platforms --no-unpack --digests \
    --label io.cri-containerd.pinned=pinned - >/dev/null || die "importing images into the node failed"
  docker exec "$c" sh -c 'pkill containerd; for i in $(seq 1 60); do pgrep -x containerd >/dev/null || exit 0; sleep 0.5; done; exit 1' ||
    die "containerd inside $img did not stop"
  docker exec "$c" rm -rf /run/containerd /var/log/preload-containerd.log /tmp/*
  docker commit --change 'ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]' --change 'CMD []' \
    --change "LABEL inpod.key=$k" "$c" "$NODE_REF" >/dev/null || die "docker commit of $NODE_REF failed"
  docker rm -f "$c" >/dev/null
  trap - EXIT
}

timed "node image" build
