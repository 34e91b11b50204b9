#!/usr/bin/env bash
# Container benchmark: the time from `runc run` to the CMD running, for an
# s6-overlay style image built by `s6box image` (init-maker -O: three s6-rc
# services — two oneshots and a longrun — and one /etc/services.d legacy
# longrun, S6_CMD_WAIT_FOR_SERVICES=1) against the same CMD as the image's
# own entrypoint (the runtime's floor), same runc, interleaved runs. Every
# run starts from a fresh copy of the unpacked image (as docker run gives
# a fresh container layer; the copy is not timed). The floor of the s6box
# image is runc's own work (the plain image) plus the process starts on
# the path to the CMD, each measured here. Also the compressed size of a
# base image: s6box and an init tree, no shell.
# Usage: bench_container.sh PATH-TO-s6box
set -euo pipefail
bin=$(readlink -f "${1:?usage: bench_container.sh PATH-TO-s6box}")
runs=${CONTAINER_BENCH_RUNS:-7}
work=$(mktemp -d)
trap 'for id in $(runc list -q 2>/dev/null | grep "^s6box-bench-" || true); do runc delete -f "$id" >/dev/null 2>&1 || true; done; rm -rf "$work"' EXIT

echo "## Containers (runc)"
echo
for tool in runc umoci busybox; do
  if ! command -v "$tool" >/dev/null; then echo "skipped: $tool not installed"; exit 0; fi
done
if [ "$(id -u)" != 0 ]; then echo "skipped: runc needs root here"; exit 0; fi

bb=$(command -v busybox)
ov=$work/ov
mkdir -p "$ov/bin"
cp "$bb" "$ov/bin/busybox"
for n in sh sleep echo cat true; do ln -s busybox "$ov/bin/$n"; done
put() { mkdir -p "$(dirname "$ov/$1")"; printf '%s' "$2" >"$ov/$1"; chmod "${3:-644}" "$ov/$1"; }
rc=etc/s6-overlay/s6-rc.d
put $rc/prep1/type "oneshot
"
put $rc/prep1/up "/bin/true
"
put $rc/prep1/dependencies.d/base ""
put $rc/prep2/type "oneshot
"
put $rc/prep2/up "/bin/true
"
put $rc/prep2/dependencies.d/prep1 ""
put $rc/daemon/type "longrun
"
put $rc/daemon/run "#!/bin/sh
exec sleep 1000
" 755
put $rc/daemon/dependencies.d/prep2 ""
put etc/s6-overlay/user-bundles.d/user/type "bundle
"
for s in prep1 prep2 daemon; do put etc/s6-overlay/user-bundles.d/user/contents.d/$s ""; done
put etc/services.d/legacy/run "#!/bin/sh
exec sleep 1000
" 755

"$bin" init-maker -O -b /bin/s6box "$work/tree" 2>/dev/null
"$bin" image -o "$work/s6box-img" -c -t "$work/tree" -O "$ov" -e PATH=/usr/bin:/bin -e S6_CMD_WAIT_FOR_SERVICES=1 -- sh -c 'echo CMD-RUNNING' 2>/dev/null
"$bin" image -o "$work/plain-img" -O "$ov" -E sh -E -c -E 'echo CMD-RUNNING' 2>/dev/null
mkdir -p "$work/base-ov"
"$bin" init-maker -C -b /bin/s6box "$work/base-tree" 2>/dev/null
"$bin" image -o "$work/base-img" -t "$work/base-tree" 2>/dev/null

for img in s6box plain; do
  umoci unpack --image "$work/$img-img:latest" "$work/$img-pristine" >/dev/null 2>&1
  python3 - "$work/$img-pristine/config.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["process"]["terminal"] = False
c["process"].pop("rlimits", None)
json.dump(c, open(p, "w"))
PY
done

# one run: ms from starting runc to the CMD's line on its stdout; the
# container is then waited for (its stop is not timed).
seq=0
once() {
  seq=$((seq + 1))
  local id=s6box-bench-$1-$seq t0 t1 line
  rm -rf "$work/$1-bundle"
  cp -a "$work/$1-pristine" "$work/$1-bundle"
  sync -f "$work/$1-bundle" # settled, as an image's layers are
  t0=$EPOCHREALTIME
  exec {fd}< <(runc run -b "$work/$1-bundle" "$id" 2>&1)
  while IFS= read -r -u "$fd" line; do
    if [[ $line == *CMD-RUNNING* ]]; then t1=$EPOCHREALTIME; break; fi
  done
  cat <&"$fd" >/dev/null
  exec {fd}<&-
  runc delete -f "$id" >/dev/null 2>&1 || true
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}
declare -a s6box_t plain_t
for i in $(seq "$runs"); do
  s6box_t+=("$(once s6box)")
  plain_t+=("$(once plain)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ms=$(median "${s6box_t[@]}")
mp=$(median "${plain_t[@]}")
layer() { find "$1/blobs/sha256" -type f -size +10k -printf '%s\n' | sort -n | tail -1; }

# The process starts on the s6box image's critical path, beyond the CMD
# itself: three of s6box (/init, which runs overlay-init and init in the
# same process; rc.init, which runs stage 2 in the same process, s6-rc
# included; the oneshot runner: s6-rc runs oneshots through it) and two
# of busybox (the oneshots, one after the other). The scanner starts
# beside rc.init, the longruns' run scripts beside the waits. Each start
# is measured here, 20 in a row, median of 5 rounds.
per_start() {
  local r t0 t1 i all=()
  for r in 1 2 3 4 5; do
    t0=$EPOCHREALTIME
    for i in $(seq 20); do "$@" >/dev/null 2>&1; done
    t1=$EPOCHREALTIME
    all+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f\n", (b - a) * 1000 / 20 }')")
  done
  median "${all[@]}"
}
gs=$(per_start "$bin" exit 0)
bs=$(per_start "$bb" true)
floor=$(awk -v p="$mp" -v g="$gs" -v b="$bs" 'BEGIN { printf "%.1f", p + 3 * g + 2 * b }')

echo "runc run to CMD running, median of $runs interleaved runs (all runs in ms):"
echo
echo "| image | median ms | runs | ratio |"
echo "|---|---|---|---|"
echo "| CMD as its own entrypoint (runtime floor) | $mp | ${plain_t[*]} | 1.00 |"
echo "| s6box /init, overlay mode: 3 s6-rc services + 1 services.d, waits for them | $ms | ${s6box_t[*]} | $(awk -v a="$ms" -v b="$mp" 'BEGIN { printf "%.2f", a / b }') |"
echo "| floor of the s6box image: the runtime floor + 3 s6box starts ($gs ms each) + 2 busybox starts ($bs ms each) | $floor | | $(awk -v a="$floor" -v b="$mp" 'BEGIN { printf "%.2f", a / b }') |"
echo
echo "Compressed layer sizes: base image (s6box + init-maker -C tree, no shell) $(layer "$work/base-img") bytes;"
echo "overlay test image (with busybox and the services) $(layer "$work/s6box-img") bytes."
