#!/usr/bin/env bash
# Benchmark of the supervision clients: the round trip of `svc -wd -d` and
# `svc -wu -u` (send the command, wait until the supervisor reports the new
# state) with our svc and with Debian's s6-svc, against the same real
# s6-supervise, so only the client differs; and, when the binary has its own
# supervise applet, both clients against ours too.
# Usage: bench_clients.sh PATH-TO-s6box [ITERATIONS]
set -euo pipefail
bin=$(readlink -f "${1:?usage: bench_clients.sh PATH-TO-s6box [iterations]}")
n=${2:-200}
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
  sleep 0.3
  for p in "${pids[@]}"; do kill -KILL -- "-$p" 2>/dev/null || true; done
  # the services' own sessions
  for st in "$tmp"/*/*/supervise/status; do
    [ -e "$st" ] || continue
    pid=$(od -An -j24 -N8 -tu8 --endian=big "$st" | tr -d ' ')
    [ "${pid:-0}" -gt 1 ] && kill -KILL -- "-$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
"$bin" --install "$tmp/bin" >/dev/null

mksvc() { # dir
  mkdir -p "$1"
  printf '#!/bin/sh\nexec sleep 1000\n' >"$1/run"
  chmod 755 "$1/run"
}
waitok() { # dir
  for _ in $(seq 1 500); do
    /usr/bin/s6-svok "$1" 2>/dev/null && [ -s "$1/supervise/status" ] && return 0
    sleep 0.02
  done
  echo "supervisor of $1 did not start" >&2
  return 1
}

# stats FILE: "median mean" in milliseconds of the microsecond samples in FILE
stats() {
  sort -n "$1" | awk '{a[NR]=$1; s+=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f %.3f\n", m/1000, s/NR/1000}'
}

# timed OUTFILE CMD...: run CMD, append its wall time in microseconds.
timed() {
  local out=$1 t0 t1
  shift
  t0=${EPOCHREALTIME/./}
  "$@"
  t1=${EPOCHREALTIME/./}
  echo $((t1 - t0)) >>"$out"
}

# measure DIR: n iterations; in each, s6-svc then our svc do a timed -wd -d,
# an untimed wait for down+ready (so the next start is not delayed by the
# restart throttle) and a timed -wu -u. Interleaving the two clients makes
# them share whatever load the machine has.
measure() {
  local dir=$1 c
  : >"$tmp/real.down"; : >"$tmp/real.up"; : >"$tmp/ours.down"; : >"$tmp/ours.up"
  /usr/bin/s6-svc -wu -T 10000 -u "$dir"
  for _ in $(seq 1 "$n"); do
    for c in real ours; do
      local svc=/usr/bin/s6-svc
      [ "$c" = ours ] && svc=$tmp/bin/svc
      timed "$tmp/$c.down" "$svc" -wd -T 10000 -d "$dir"
      /usr/bin/s6-svwait -D -t 10000 "$dir"
      timed "$tmp/$c.up" "$svc" -wu -T 10000 -u "$dir"
    done
  done
}

rows=()
ratios=()
# startup DIR: one process that does almost nothing (svok: one fcntl), the
# fixed cost of starting each binary, which every round trip includes.
startup() {
  local dir=$1
  : >"$tmp/real.ok"; : >"$tmp/ours.ok"
  for _ in $(seq 1 "$n"); do
    timed "$tmp/real.ok" /usr/bin/s6-svok "$dir"
    timed "$tmp/ours.ok" "$tmp/bin/svok" "$dir"
  done
  read -r rm ra < <(stats "$tmp/real.ok")
  read -r om oa < <(stats "$tmp/ours.ok")
  rows+=("| \`svok\` (process start only) | — | s6-svok 2.11 | $rm | $ra |")
  rows+=("| \`svok\` (process start only) | — | s6box svok | $om | $oa |")
}
run_pair() { # daemon-label dir
  local label=$1 dir=$2
  measure "$dir"
  for op in down up; do
    read -r rm ra < <(stats "$tmp/real.$op")
    read -r om oa < <(stats "$tmp/ours.$op")
    local cmd="svc -w${op:0:1} -${op:0:1}"
    rows+=("| \`$cmd\` | $label | s6-svc 2.11 | $rm | $ra |")
    rows+=("| \`$cmd\` | $label | s6box svc | $om | $oa |")
    ratios+=("$(awk -v o="$om" -v r="$rm" 'BEGIN{printf "%.2f", o/r}')")
  done
}

# 1. Real s6-svscan + s6-supervise.
mkdir -p "$tmp/real-scan"
mksvc "$tmp/real-scan/s"
setsid /usr/bin/s6-svscan -t0 "$tmp/real-scan" >/dev/null 2>&1 &
pids+=($!)
waitok "$tmp/real-scan/s"
startup "$tmp/real-scan/s"
run_pair "s6-supervise" "$tmp/real-scan/s"

# 2. Our supervise, if the binary has it.
if "$bin" --list | grep -qx supervise; then
  mkdir -p "$tmp/ours-sup"
  mksvc "$tmp/ours-sup/s"
  (cd "$tmp/ours-sup" && exec setsid "$tmp/bin/supervise" s >/dev/null 2>&1) &
  pids+=($!)
  waitok "$tmp/ours-sup/s"
  run_pair "s6box supervise" "$tmp/ours-sup/s"
fi

worst=$(printf '%s\n' "${ratios[@]}" | sort -n | tail -1)
met=$(awk -v w="$worst" 'BEGIN{print (w <= 0.5) ? "met" : "NOT met"}')
echo "## Supervision clients: svc -w round trip"
echo
echo "$n iterations of each command on a service whose run is \`exec sleep 1000\`; each sample is"
echo "one whole client process (spawn, command, wait for the supervisor's event). Between the"
echo "two timed commands an untimed \`s6-svwait -D\` lets finish end, so no sample includes the"
echo "supervisor's restart throttle. The two clients alternate, so they share the machine's load."
echo "Times in milliseconds; load average at the start: $(cut -d' ' -f1 /proc/loadavg)."
echo
echo "| command | daemon | client | median ms | mean ms |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "The \`svok\` rows are the fixed cost of starting each executable here (a Go runtime starts"
echo "slower than a C program); the round trips also include the supervisor's own work (kill or"
echo "spawn run, fork finish), which is the same for both clients."
echo
echo "Target: our svc at most half of s6-svc's median time (ratio ≤ 0.50). Ratios ours/s6 (medians): ${ratios[*]}; worst $worst — target $met."
