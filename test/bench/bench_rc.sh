#!/usr/bin/env bash
# Service manager benchmark: compile time for 1000 services, and `rc change`
# bring-up / tear-down of a 200-service layered graph (oneshots and longruns)
# under a real s6-svscan (and under ours when the svscan applet exists).
# Upstream s6-rc is not packaged in Debian: set S6RC_UPSTREAM_BIN to a
# directory holding hand-built s6-rc binaries to measure them too.
set -euo pipefail
bin=${1:?usage: bench_rc.sh PATH-TO-s6box}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d /tmp/bench-rc.XXXXXX)
farm=$work/bin
mkdir -p "$farm"
"$bin" --install "$farm" >/dev/null
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

# gen DIR N LAYERS: N services in LAYERS layers, each depending on two
# services of the previous layer; even ones oneshots, odd ones longruns.
gen() {
  local dir=$1 n=$2 layers=$3 per=$(( $2 / $3 ))
  mkdir -p "$dir/all/contents.d"
  echo bundle > "$dir/all/type"
  for ((i = 0; i < n; i++)); do
    local s=$dir/svc$i layer=$(( i / per ))
    mkdir -p "$s/dependencies.d"
    if (( i % 2 == 0 )); then
      echo oneshot > "$s/type"; echo "true" > "$s/up"
    else
      echo longrun > "$s/type"; printf '#!/bin/sh\nexec sleep 100000\n' > "$s/run"; chmod +x "$s/run"
    fi
    if (( layer > 0 )); then
      local base=$(( (layer - 1) * per ))
      touch "$s/dependencies.d/svc$(( base + i % per ))" "$s/dependencies.d/svc$(( base + (i * 7 + 3) % per ))"
    fi
    touch "$dir/all/contents.d/svc$i"
  done
}

gen "$work/src1000" 1000 20
gen "$work/src200" 200 10

# flush the generated trees now, so that neither compiler's timing pays for
# writing back the generator's dirty pages (s6box syncs the filesystem
# before its rename; the first compiler timed would otherwise flush them)
sync

compile_time() { # COMPILER OUT → median of 5 runs, each into a fresh OUT
  local t0 t1 i times=()
  for i in 1 2 3 4 5; do
    t0=$(now); "$1" "$2.$i" "$work/src1000" >/dev/null; t1=$(now)
    times+=("$(ms "$t0" "$t1")")
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}

# run_graph SCANNER RC RCINIT COMPILER LABEL → "up_ms down_ms"
run_graph() {
  local scanner=$1 rc=$2 rcinit=$3 compiler=$4 label=$5
  local d=$work/g-$label
  mkdir -p "$d/scan"
  "$compiler" "$d/db" "$work/src200" >/dev/null
  setsid "$scanner" "$d/scan" >/dev/null 2>&1 &
  local sp=$!
  pids+=("$sp")
  for _ in $(seq 100); do
    [ -p "$d/scan/.s6-svscan/control" ] && break
    sleep 0.05
  done
  sleep 0.2
  "$rcinit" -c "$d/db" -l "$d/live" "$d/scan"
  local t0 t1 t2
  t0=$(now); "$rc" -l "$d/live" change all; t1=$(now)
  "$rc" -l "$d/live" -Da change; t2=$(now)
  echo "$(ms "$t0" "$t1") $(ms "$t1" "$t2")"
  kill -TERM -- "-$sp" 2>/dev/null || true
}

ours_compile=$(compile_time "$farm/s6-rc-compile" "$work/c-ours")
read -r up_real down_real < <(run_graph /usr/bin/s6-svscan "$farm/s6-rc" "$farm/s6-rc-init" "$farm/s6-rc-compile" real)
ours_scan="not merged yet"
if [ -e "$farm/svscan" ] && [ -e "$farm/supervise" ]; then
  read -r up_ours down_ours < <(run_graph "$farm/svscan" "$farm/s6-rc" "$farm/s6-rc-init" "$farm/s6-rc-compile" ours)
  ours_scan="$up_ours ms up / $down_ours ms down"
fi

upstream="upstream s6-rc not available on this machine"
if [ -n "${S6RC_UPSTREAM_BIN:-}" ] && [ -x "$S6RC_UPSTREAM_BIN/s6-rc-compile" ]; then
  up_compile=$(compile_time "$S6RC_UPSTREAM_BIN/s6-rc-compile" "$work/c-upstream")
  read -r uu ud < <(run_graph /usr/bin/s6-svscan "$S6RC_UPSTREAM_BIN/s6-rc" "$S6RC_UPSTREAM_BIN/s6-rc-init" "$S6RC_UPSTREAM_BIN/s6-rc-compile" upstream)
  upstream="compile $up_compile ms; change up $uu ms, down $ud ms"
fi

with_ms() { if [ -n "$1" ]; then echo "$1 ms"; else echo n/a; fi; }

echo "## Service manager (rc)"
echo
echo "| measurement | s6box | upstream s6-rc |"
echo "|---|---|---|"
echo "| compile 1000 services (20 layers, oneshots + longruns; median of 5) | $ours_compile ms | $(with_ms "${up_compile:-}") |"
echo "| \`rc change all\`, 200 services, real s6-svscan | $up_real ms | $(with_ms "${uu:-}") |"
echo "| \`rc -Da change\` (tear-down), 200 services, real s6-svscan | $down_real ms | $(with_ms "${ud:-}") |"
echo "| same graph under s6box svscan | $ours_scan | — |"
echo
echo "Upstream: $upstream."
met=no
if (( ours_compile < 1000 && up_real < 5000 && down_real < 5000 )); then met=yes; fi
echo "Target: compile 1000 services in under 1 s and bring 200 services up or down in under 5 s on this machine — met: $met."
