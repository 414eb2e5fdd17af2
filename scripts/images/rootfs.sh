# shellcheck shell=bash
# Debian root filesystems as tar files, built with debootstrap and kept in the
# cache by (suite, variant, packages). Sourced by the image builders.

# rootfs NAME VARIANT PACKAGES...: prints the path of NAME's rootfs tar.
rootfs() {
  local name=$1 variant=$2
  shift 2
  local pkgs
  pkgs=$(printf '%s\n' "$@" | sort -u | paste -sd, -)
  local dir=$INPOD_CACHE/rootfs/$name k
  k=$(key rootfs "$DEBIAN_SUITE" "$variant" "$pkgs" "$(declare -f rootfs)")
  if fresh "$dir" "$k"; then
    echo "$dir/rootfs.tar"
    return
  fi
  need_pkg debootstrap debootstrap
  log "debootstrap $DEBIAN_SUITE ($variant) for $name: $pkgs"
  local tree=$dir/tree
  rm -rf "$dir" && mkdir -p "$tree" "$INPOD_CACHE/debs"
  debootstrap --variant="$variant" --include="$pkgs" --cache-dir="$INPOD_CACHE/debs" \
    "$DEBIAN_SUITE" "$tree" "$DEBIAN_MIRROR" >"$dir/debootstrap.log" 2>&1 ||
    die "debootstrap for $name failed; see $dir/debootstrap.log"
  # What an image does not need: package lists, caches, docs.
  rm -rf "$tree"/var/lib/apt/lists/* "$tree"/var/cache/apt/*.bin "$tree"/usr/share/{doc,man,info}/* "$tree"/var/log/*
  tar -C "$tree" --numeric-owner -cf "$dir/rootfs.tar" .
  rm -rf "$tree"
  stamp "$dir" "$k"
  echo "$dir/rootfs.tar"
}

# scratch_base: a minimal tree for static binaries (passwd, group, /tmp), as a tar.
scratch_base() {
  local dir=$INPOD_CACHE/rootfs/scratch k
  k=$(key scratch "$(declare -f scratch_base)")
  if ! fresh "$dir" "$k"; then
    rm -rf "$dir" && mkdir -p "$dir/tree/etc" "$dir/tree/tmp"
    chmod 1777 "$dir/tree/tmp"
    printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' >"$dir/tree/etc/passwd"
    printf 'root:x:0:\nnonroot:x:65532:\n' >"$dir/tree/etc/group"
    echo 'hosts: files dns' >"$dir/tree/etc/nsswitch.conf"
    tar -C "$dir/tree" --numeric-owner -cf "$dir/rootfs.tar" .
    rm -rf "$dir/tree"
    stamp "$dir" "$k"
  fi
  echo "$dir/rootfs.tar"
}

# docker_image REF KEY CONTEXT: build CONTEXT/Dockerfile as REF with label inpod.key=KEY,
# unless REF already carries KEY. The legacy builder works offline and can set STOPSIGNAL.
docker_image() {
  local ref=$1 k=$2 ctx=$3
  if image_fresh "$ref" "$k"; then
    log "$ref: cached"
    return
  fi
  # The legacy builder prints a deprecation notice on every build; show its output only on failure.
  DOCKER_BUILDKIT=0 docker build -q --label "inpod.key=$k" -t "$ref" "$ctx" >"$ctx/build.log" 2>&1 ||
    die "docker build of $ref failed: $(tail -n 3 "$ctx/build.log" | tr '\n' ' ')"
  log "$ref: built"
}

# context DIR: a fresh build context folder under the cache.
context() {
  local d=$INPOD_CACHE/ctx/$1
  rm -rf "$d" && mkdir -p "$d"
  echo "$d"
}

# dockerfile_image REF NAME BASE [VAR=VALUE | FILE]...: REF built from
# manifests/images/NAME/Dockerfile (each @VAR@ in it replaced by VALUE) in a context
# holding the tar BASE as base.tar and each FILE under its own name. Keyed by the
# Dockerfile's content, BASE, the FILEs and the values.
dockerfile_image() {
  local ref=$1 df=$ROOT/manifests/images/$2/Dockerfile base=$3 k ctx a
  shift 3
  [ -f "$df" ] || die "no Dockerfile at ${df#"$ROOT"/}"
  k=$(key "$ref" "$df" "$base" "$@" "$(declare -f dockerfile_image)")
  image_fresh "$ref" "$k" && { log "$ref: cached"; return; }
  ctx=$(context "${ref//[\/:]/_}")
  ln "$base" "$ctx/base.tar" 2>/dev/null || cp "$base" "$ctx/base.tar"
  cp "$df" "$ctx/Dockerfile"
  for a in "$@"; do
    case $a in
      *=*) sed -i "s|@${a%%=*}@|${a#*=}|g" "$ctx/Dockerfile" ;;
      *) cp "$a" "$ctx/" ;;
    esac
  done
  if grep -q '@[A-Z_]*@' "$ctx/Dockerfile"; then die "${df#"$ROOT"/}: $(grep -o '@[A-Z_]*@' "$ctx/Dockerfile" | head -1) has no value"; fi
  docker_image "$ref" "$k" "$ctx"
}

# The Debian bases the images start from, one function each, so the builders and
# bases.sh (run beside the Go builds) ask for exactly the same trees.
NODE_PACKAGES=(systemd systemd-sysv dbus conntrack iptables nftables iproute2 ethtool kmod libseccomp2
  pigz curl jq procps runc containernetworking-plugins socat ebtables e2fsprogs fuse-overlayfs
  iputils-ping util-linux mount bash ca-certificates)
node_base() { rootfs node minbase "${NODE_PACKAGES[@]}"; }
kube_proxy_base() { rootfs kube-proxy minbase iptables nftables conntrack kmod; }
curl_base() { rootfs probe-curl minbase curl ca-certificates busybox-static; }
# python3-cffi-backend is named because debootstrap does not resolve the virtual
# packages python3-cryptography depends on.
python_base() { rootfs probe-python minbase python3 python3-kubernetes python3-cffi-backend ca-certificates; }
kube_router_base() { rootfs kube-router minbase iptables ipset iproute2 kmod conntrack; }
