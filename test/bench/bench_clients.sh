#!/usr/bin/env bash
# Benchmark of the supervision clients: the round trip of `svc -wd -d` and
# `svc -wu -u` (send the command, wait until the supervisor reports the new
# state) with our svc and with Debian's s6-svc, against the same real
# s6-supervise, so only the client differs; and, when the binary has its own
# supervise applet, both clients against ours too.
# Two floors are measured the same way, interleaved: /bin/true (the cost of
# the loop itself: bash forking and exec'ing a small C program) and an empty
# Go program built with our flags (the least any Go process costs here). The
# supervisors' own reaction, with no client start in it, is measured by
# test/bench/react. The target is judged on medians minus the loop overhead.
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
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
# The empty Go program and the reaction timer, built like the product.
mkdir -p "$tmp/empty"
printf 'module empty\n\ngo 1.22\n' >"$tmp/empty/go.mod"
printf 'package main\n\nfunc main() {}\n' >"$tmp/empty/main.go"
(cd "$tmp/empty" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/goempty" .)
(cd "$root" && CGO_ENABLED=0 go build -trimpath -o "$tmp/react" ./test/bench/react)
# The least a Go svc -w can be: only its system calls, only package syscall.
(cd "$root" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/minisvc" ./test/bench/minisvc)
minisvc() { MINISVC_CMD=$1 MINISVC_DIR=$2 "$tmp/minisvc"; }

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

# measure DIR: n iterations; in each, s6-svc, our svc and minisvc do a timed -wd -d,
# an untimed wait for down+ready (so the next start is not delayed by the
# restart throttle) and a timed -wu -u. Interleaving the two clients makes
# them share whatever load the machine has.
measure() {
  local dir=$1 c
  : >"$tmp/real.down"; : >"$tmp/real.up"; : >"$tmp/ours.down"; : >"$tmp/ours.up"; : >"$tmp/mini.down"; : >"$tmp/mini.up"
  /usr/bin/s6-svc -wu -T 10000 -u "$dir"
  for _ in $(seq 1 "$n"); do
    for c in real ours; do
      local svc=/usr/bin/s6-svc
      [ "$c" = ours ] && svc=$tmp/bin/svc
      timed "$tmp/$c.down" "$svc" -wd -T 10000 -d "$dir"
      /usr/bin/s6-svwait -D -t 10000 "$dir"
      timed "$tmp/$c.up" "$svc" -wu -T 10000 -u "$dir"
    done
    timed "$tmp/mini.down" minisvc d "$dir"
    /usr/bin/s6-svwait -D -t 10000 "$dir"
    timed "$tmp/mini.up" minisvc u "$dir"
  done
}

rows=()
ratios=()
miniratios=()
raw=()
declare -A s6net
# startup DIR: programs that do (almost) nothing, the fixed cost of a
# process start here: /bin/true (what the loop itself costs), an empty Go
# program, s6-svok and our svok (one fcntl each).
declare -A floor
startup() {
	local dir=$1 k
	for k in true goempty real.ok ours.ok; do : >"$tmp/$k.t"; done
	for _ in $(seq 1 "$n"); do
		timed "$tmp/true.t" /bin/true
		timed "$tmp/goempty.t" "$tmp/goempty"
		timed "$tmp/real.ok.t" /usr/bin/s6-svok "$dir"
		timed "$tmp/ours.ok.t" "$tmp/bin/svok" "$dir"
	done
	for k in true goempty real.ok ours.ok; do
		read -r m _ < <(stats "$tmp/$k.t")
		floor[$k]=$m
	done
	loop=${floor[true]}
	rows+=("| \`/bin/true\` (loop overhead) | — | C, coreutils | ${floor[true]} | — |")
	rows+=("| empty Go program | — | Go $(go env GOVERSION), same flags | ${floor[goempty]} | $(net "${floor[goempty]}") |")
	rows+=("| \`svok\` (process start only) | — | s6-svok 2.11 | ${floor[real.ok]} | $(net "${floor[real.ok]}") |")
	rows+=("| \`svok\` (process start only) | — | s6box svok | ${floor[ours.ok]} | $(net "${floor[ours.ok]}") |")
}
# net MS: MS minus the loop overhead
net() { awk -v a="$1" -v l="$loop" 'BEGIN {printf "%.3f", a - l}'; }

# react LABEL DIR: the supervisor's own reaction (command byte to event
# byte, measured inside one process, no client start).
declare -A reaction
react() {
	local label=$1 dir=$2 d u
	read -r d u < <("$tmp/react" "$dir" 15)
	reaction[$label.down]=$d
	reaction[$label.up]=$u
	rrows+=("| $label | $d | $u |")
}
rrows=()

run_pair() { # daemon-label dir
  local label=$1 dir=$2
  measure "$dir"
  for op in down up; do
    read -r rm _ < <(stats "$tmp/real.$op")
    read -r om _ < <(stats "$tmp/ours.$op")
    local cmd="svc -w${op:0:1} -${op:0:1}"
    rows+=("| \`$cmd\` | $label | s6-svc 2.11 | $rm | $(net "$rm") |")
    rows+=("| \`$cmd\` | $label | s6box svc | $om | $(net "$om") |")
    read -r mm _ < <(stats "$tmp/mini.$op")
    rows+=("| \`$cmd\` | $label | minimal Go client (floor) | $mm | $(net "$mm") |")
    miniratios+=("$(awk -v o="$mm" -v r="$rm" -v l="$loop" 'BEGIN{printf "%.2f", (o-l)/(r-l)}')")
    ratios+=("$(awk -v o="$om" -v r="$rm" -v l="$loop" 'BEGIN{printf "%.2f", (o-l)/(r-l)}')")
    raw+=("$(awk -v o="$om" -v r="$rm" 'BEGIN{printf "%.2f", o/r}')")
    s6net[$label.$op]=$(net "$rm")
  done
}

load0=$(cut -d' ' -f1 /proc/loadavg)
# 1. Real s6-svscan + s6-supervise.
mkdir -p "$tmp/real-scan"
mksvc "$tmp/real-scan/s"
setsid /usr/bin/s6-svscan -t0 "$tmp/real-scan" >/dev/null 2>&1 &
pids+=($!)
waitok "$tmp/real-scan/s"
startup "$tmp/real-scan/s"
run_pair "s6-supervise" "$tmp/real-scan/s"
react "s6-supervise 2.11" "$tmp/real-scan/s"

# 2. Our supervise, if the binary has it.
if "$bin" --list | grep -qx supervise; then
  mkdir -p "$tmp/ours-sup"
  mksvc "$tmp/ours-sup/s"
  (cd "$tmp/ours-sup" && exec setsid "$tmp/bin/supervise" s >/dev/null 2>&1) &
  pids+=($!)
  waitok "$tmp/ours-sup/s"
  run_pair "s6box supervise" "$tmp/ours-sup/s"
  react "s6box supervise" "$tmp/ours-sup/s"
fi

worst=$(printf '%s\n' "${ratios[@]}" | sort -n | tail -1)
met=$(awk -v w="$worst" 'BEGIN{print (w <= 0.5) ? "met" : "NOT met"}')
echo "## Supervision clients: svc -w round trip"
echo
echo "$n iterations of each command on a service whose run is \`exec sleep 1000\`; each sample is"
echo "one whole client process (spawn, command, wait for the supervisor's event), timed from bash."
echo "Between the two timed commands an untimed \`s6-svwait -D\` lets finish end, so no sample"
echo "includes the supervisor's restart throttle. All programs alternate, so they share the"
echo "machine's load. *Net* is the median minus the loop overhead (bash forking and exec'ing"
echo "\`/bin/true\`, measured in the same loop). Milliseconds; load average at the start: $load0."
echo
echo "| command | daemon | client | median ms | net ms |"
echo "|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
echo
echo "Supervisor reaction alone (test/bench/react: command byte written to supervise/control until"
echo "the event byte arrives, timed inside one process; median of 15, milliseconds):"
echo
echo "| supervisor | \`d\` → event \`d\` | \`u\` → event \`u\` |"
echo "|---|---:|---:|"
printf '%s\n' "${rrows[@]}"
echo
echo "Target: our svc at most half of s6-svc's time (net medians, ratio ≤ 0.50). Ratios ours/s6:"
echo "${ratios[*]} (raw medians: ${raw[*]}); worst $worst — target $met."
if [ -n "${reaction[s6-supervise 2.11.up]:-}" ]; then
	# The least any Go client could cost against s6-supervise: an empty Go
	# program plus s6-supervise's own reaction, against s6-svc's whole net
	# round trip on the same daemon.
	bd=$(awk -v g="${floor[goempty]}" -v l="$loop" -v r="${reaction[s6-supervise 2.11.down]}" -v s="${s6net[s6-supervise.down]}" 'BEGIN{printf "%.2f", (g - l + r) / s}')
	bu=$(awk -v g="${floor[goempty]}" -v l="$loop" -v r="${reaction[s6-supervise 2.11.up]}" -v s="${s6net[s6-supervise.up]}" 'BEGIN{printf "%.2f", (g - l + r) / s}')
	echo
	echo "Floor: an empty Go program ($(net "${floor[goempty]}") ms net) plus s6-supervise's own reaction"
	echo "comes to $bd (-wd -d) and $bu (-wu -u) of s6-svc's net round trip against s6-supervise."
	echo "The minimal Go client (test/bench/minisvc: only svc -w's system calls, only package syscall,"
	echo "so no os/time/fmt initialisers) against s6-svc on the same daemon: ${miniratios[*]} (same order as above)."
	miniworst=$(printf '%s\n' "${miniratios[@]}" | sort -n | tail -1)
	if awk -v w="$miniworst" 'BEGIN {exit !(w > 0.5)}'; then
		echo "Its worst ratio, $miniworst, is above 0.50: with $(go env GOVERSION) on this machine, a Go client that"
		echo "does nothing but the protocol's system calls does not meet the target either."
	else
		echo "The rest is this binary's own start-up above that client (svok: $(net "${floor[ours.ok]}") ms"
		echo "net against $(net "${floor[goempty]}") ms for an empty Go program) and the client's own work."
	fi

fi
