#!/usr/bin/env bash
# The yardstick `make bench` runs beside inpod: upstream's e2e.test for K8S_VERSION,
# compiled from the Go module proxy like the other Kubernetes binaries, and the two
# images its [sig-auth] ServiceAccounts specs run — agnhost (built from the same
# module) and busybox (Debian's busybox-static) — tagged as e2e.test names them.
# Prints nothing on stdout; the binary lands in $INPOD_CACHE/bin/$K8S_VERSION/upstream-e2e.
source "$(dirname "$0")/lib.sh"
source "$IMAGES_DIR/rootfs.sh"

upstream_e2e() {
  local out=$BIN/upstream-e2e k dir=$SRC/upstream-e2e minor=${K8S_VERSION#v1.}
  k=$(key upstream-e2e "$K8S_VERSION" "$(declare -f upstream_e2e gomod)")
  fresh "$out" "$k" && { log "e2e.test + agnhost $K8S_VERSION: cached"; return; }
  local modfile staging
  modfile=$(cd /tmp && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | jq -r .GoMod)
  [ -s "$modfile" ] || die "the Go module proxy did not serve k8s.io/kubernetes@$K8S_VERSION"
  gomod "$dir" inpod.local/build/upstream-e2e "k8s.io/kubernetes@$K8S_VERSION"
  # As for the Kubernetes binaries: the staging modules come from their published twins.
  staging=$(awk '$2 == "=>" && $3 ~ /^\.\/staging\// {print $1}' "$modfile")
  # shellcheck disable=SC2046 # one -replace flag per word
  (cd "$dir" && go mod edit $(for m in $staging; do echo "-replace=$m=$m@v0.$minor"; done))
  local e2e=k8s.io/kubernetes/test/e2e agn=k8s.io/kubernetes/test/images/agnhost
  (cd "$dir" && { go get -t "$e2e@$K8S_VERSION" "$agn@$K8S_VERSION" >/dev/null 2>&1 ||
    go get -t "$e2e@$K8S_VERSION" "$agn@$K8S_VERSION"; }) || die "resolving upstream's e2e.test failed"
  mkdir -p "$out"
  local p ldflags=(-s -w)
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=(-X "$p.gitVersion=$K8S_VERSION" -X "$p.gitMajor=1" -X "$p.gitMinor=${minor%%.*}")
  done
  (cd "$dir" && go test -c -ldflags "${ldflags[*]}" -o "$out/e2e.test" "$e2e" &&
    go build -ldflags "-s -w" -o "$out/agnhost" "$agn") || die "building upstream's e2e.test failed"
  stamp "$out" "$k"
}

# busybox-static from Debian: one binary, its applets as links.
busybox_bin() {
  local out=$INPOD_CACHE/debs/busybox-static k deb
  k=$(key busybox "$DEBIAN_SUITE" "$(declare -f busybox_bin)")
  fresh "$out" "$k" && { echo "$out/busybox"; return; }
  rm -rf "$out" && mkdir -p "$out/x"
  (cd "$out" && apt-get download -qq busybox-static >/dev/null 2>&1) ||
    { apt-get update -qq >/dev/null && (cd "$out" && apt-get download -qq busybox-static >/dev/null); } ||
    die "apt-get download busybox-static failed"
  deb=$(ls "$out"/busybox-static_*.deb)
  dpkg-deb -x "$deb" "$out/x" && cp "$out/x/bin/busybox" "$out/busybox" && rm -rf "$out/x" "$deb"
  stamp "$out" "$k"
  echo "$out/busybox"
}

need_pkg jq jq
timed "upstream e2e.test $K8S_VERSION" upstream_e2e
e2e_images=$("$BIN/upstream-e2e/e2e.test" --list-images 2>/dev/null) ||
  die "$BIN/upstream-e2e/e2e.test --list-images failed"
# The newest of each in the e2e registry is the one imageutils.Agnhost / BusyBox name.
newest() { grep "^registry.k8s.io/e2e-test-images/$1:" <<<"$e2e_images" | sort -V | tail -1; }
agnhost_ref=$(newest agnhost)
busybox_ref=$(newest busybox)
if [ -z "$agnhost_ref" ] || [ -z "$busybox_ref" ]; then die "e2e.test --list-images names no agnhost or busybox image"; fi
scratch=$(scratch_base)
dockerfile_image "$agnhost_ref" agnhost "$scratch" "$BIN/upstream-e2e/agnhost"
dockerfile_image "$busybox_ref" busybox "$scratch" "$(busybox_bin)"
printf '%s\n%s\n' "$agnhost_ref" "$busybox_ref" >"$BIN/upstream-e2e/images"
