# shellcheck shell=bash
# Shared by the offline image builders; sourced, not run.
# Every step is keyed by the hash of its inputs (versions, the files it reads, the
# script itself). Keys live beside the outputs in $INPOD_CACHE (outside the clone) or
# as a label on the Docker image, so a rerun skips what is already built.
set -euo pipefail

: "${INPOD_CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/inpod}"
: "${IMAGE_PREFIX:=inpod}"
: "${DEBIAN_SUITE:=bookworm}"
: "${DEBIAN_MIRROR:=http://deb.debian.org/debian}"
: "${CONTAINERD_VERSION:=v2.3.4}"
: "${CRICTL_VERSION:=v1.37.0}"
# -buildvcs=false: a VCS stamp would make every commit a new binary, and so a new image.
export K8S_VERSION INPOD_CACHE IMAGE_PREFIX CGO_ENABLED=0 GOFLAGS="-trimpath -buildvcs=false"

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
: "${K8S_VERSION:=$(cat "$ROOT/K8S_VERSION")}"
IMAGES_DIR=$ROOT/scripts/images
export IMAGES_DIR
BIN=$INPOD_CACHE/bin/$K8S_VERSION
SRC=$INPOD_CACHE/src/$K8S_VERSION # throwaway wrapper modules
mkdir -p "$INPOD_CACHE" "$BIN"

log() { printf '%s images: %s\n' "$(date +%T)" "$*" >&2; }
die() { printf 'images: %s\n' "$*" >&2; exit 1; }

# key NAME... : a stable hash of strings and files. A file counts by its content and
# its name relative to the clone, never its absolute path, so a second clone in
# another folder finds the same keys and rebuilds nothing.
key() {
  local a
  for a in "$@"; do
    if [ -f "$a" ]; then
      printf '%s %s\n' "$(sha256sum <"$a" | cut -c1-64)" "$(realpath -s "$a" | sed "s|^$ROOT/||")"
    else
      printf '%s\n' "$a"
    fi
  done | sha256sum | cut -c1-16
}

# fresh DIR KEY: true when DIR was built from inputs hashing to KEY.
fresh() { [ -f "$1/.inpod-key" ] && [ "$(cat "$1/.inpod-key")" = "$2" ]; }
stamp() { printf '%s' "$2" >"$1/.inpod-key"; }

# image_fresh REF KEY: true when the Docker image REF carries label inpod.key=KEY.
image_fresh() {
  [ "$(docker image inspect --format '{{index .Config.Labels "inpod.key"}}' "$1" 2>/dev/null)" = "$2" ]
}

need_pkg() { # need_pkg CMD PACKAGE: install a Debian package when a command is missing
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then die "$1 is missing; install the $2 package"; fi
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null; } ||
    die "apt-get install $2 failed"
}

# timed NAME CMD...: run a step. One still running after 10 s says so, with how
# long it took here last time (or a rough figure for a new 2-core machine), and its
# wall time at the end; what it took is kept for the next run. Quick (cached)
# steps say nothing more than their own "cached" line.
timed() {
  local name=$1 start=$SECONDS file last
  shift
  file=$INPOD_CACHE/times/${name//[^A-Za-z0-9.+-]/_}
  last=$(cat "$file" 2>/dev/null || true)
  (
    sleep 10
    kill -0 $$ 2>/dev/null || exit 0
    if [ -n "$last" ]; then
      log "$name: building since $(date -d "-10 sec" +%T); it took $(minutes "$last") here last time"
    else
      log "$name: building since $(date -d "-10 sec" +%T); $(rough "$name") on a new 2-core machine"
    fi
  ) &
  local waiter=$!
  "$@"
  local sleeper
  sleeper=$(pgrep -P "$waiter" || true)
  # shellcheck disable=SC2086 # none or one pid
  { kill "$waiter" $sleeper && wait "$waiter"; } 2>/dev/null || true
  local took=$((SECONDS - start))
  if [ "$took" -ge 10 ]; then
    mkdir -p "${file%/*}" && echo "$took" >"$file"
    log "$name: done in $(minutes "$took")"
  fi
}
minutes() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }

# rough NAME: what a step took on a new 2-core machine with empty caches (measured
# 2026-11-28).
rough() {
  case $1 in
    kubernetes*) echo "about 22 min" ;;
    coredns*) echo "about 4.5 min" ;;
    containerd*) echo "about 3 min" ;;
    kube-router*) echo "about 3 min" ;;
    etcd* | crictl* | "pause + go"*) echo "about 1 min" ;;
    "Debian base"*) echo "3-4 min beside the Go builds" ;;
    "suite image"*) echo "about 1.5 min" ;;
    *) echo "under a minute" ;;
  esac
}

# The image references kubeadm expects for K8S_VERSION, one per line.
kubeadm_images() {
  "$BIN/kubernetes/kubeadm" config images list --kubernetes-version "$K8S_VERSION" 2>/dev/null
}
image_tag() { # image_tag NAME: the tag kubeadm wants for registry.k8s.io/.../NAME
  kubeadm_images | awk -F: -v n="$1" '{k = split($1, p, "/"); if (p[k] == n) print $2}'
}


# gomod DIR MODULE REQUIRE...: a throwaway module in DIR requiring the given modules.
gomod() {
  local dir=$1 mod=$2
  shift 2
  rm -rf "$dir" && mkdir -p "$dir"
  { echo "module $mod"; echo; echo "go 1.26"; } >"$dir/go.mod"
  (cd "$dir" && go mod edit "${@/#/-require=}")
}

# Tools whose modules build with plain `go build pkg@version` in a wrapper module.
tools() { # tools NAME MODULE@VERSION PACKAGE...
  local name=$1 req=$2 out=$BIN/$1 k
  shift 2
  k=$(key "$name" "$req" "$@" "$(declare -f tools gomod)")
  fresh "$out" "$k" && { log "$name ${req#*@}: cached"; return; }
  local dir=$SRC/$name
  gomod "$dir" "inpod.local/build/$name" "$req"
  (cd "$dir" && go get "$@" >/dev/null 2>&1 || go get "$@") || die "resolving $req failed"
  mkdir -p "$out"
  (cd "$dir" && go build -ldflags "-s -w" -o "$out/" "$@") || die "building $name from $req failed"
  stamp "$out" "$k"
}

# A wrapper module whose main calls the upstream entry point: etcd and CoreDNS carry
# replace directives, so `go install module@version` refuses them.
wrapped() { # wrapped NAME MODULE@VERSION MAIN.GO-SOURCE
  local name=$1 req=$2 main=$3 out=$BIN/$1 k
  k=$(key "$name" "$req" "$main" "$(declare -f wrapped gomod)")
  fresh "$out" "$k" && { log "$name ${req#*@}: cached"; return; }
  local dir=$SRC/$name
  gomod "$dir" "inpod.local/build/$name" "$req"
  printf '%s\n' "$main" >"$dir/main.go"
  (cd "$dir" && go mod tidy >/dev/null 2>&1 || go mod tidy) || die "resolving $req failed"
  mkdir -p "$out"
  (cd "$dir" && go build -ldflags "-s -w" -o "$out/$name" .) || die "building $name from $req failed"
  stamp "$out" "$k"
}
