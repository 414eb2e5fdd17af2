#!/bin/sh
# cgroup v2: delegate every controller to the kubelet's cgroups.
set -eu
cd /sys/fs/cgroup
controllers=$(cat cgroup.controllers) # one line of words
for c in $controllers; do echo "+$c" >cgroup.subtree_control 2>/dev/null || true; done
for d in kubelet kubelet.slice; do
  mkdir -p "$d"
  for c in $controllers; do echo "+$c" >"$d/cgroup.subtree_control" 2>/dev/null || true; done
done
