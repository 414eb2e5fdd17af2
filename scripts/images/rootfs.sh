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

# scratch_image REF LINES FILE DEST [FILE DEST]...: an image of each FILE at its
# DEST on scratch_base, its Dockerfile ending with LINES (user, environment,
# entry point).
scratch_image() {
  local ref=$1 lines=$2 base k ctx i=0
  shift 2
  base=$(scratch_base)
  k=$(key "$ref" "$base" "$@" "$lines" "$(declare -f scratch_image)")
  image_fresh "$ref" "$k" && { log "$ref: cached"; return; }
  ctx=$(context "$(basename "$2")")
  ln "$base" "$ctx/base.tar" 2>/dev/null || cp "$base" "$ctx/base.tar"
  printf 'FROM scratch\nADD base.tar /\n' >"$ctx/Dockerfile"
  while [ $# -ge 2 ]; do
    i=$((i + 1))
    cp "$1" "$ctx/payload$i"
    printf 'COPY payload%d %s\n' "$i" "$2" >>"$ctx/Dockerfile"
    shift 2
  done
  printf '%s\n' "$lines" >>"$ctx/Dockerfile"
  docker_image "$ref" "$k" "$ctx"
}
