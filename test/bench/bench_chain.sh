#!/usr/bin/env bash
# Benchmark of a chain of chain-loaders, wall time per run of
#   envdir E softlimit -o 64 setuidgid nobody true
# with ours (symlinks; steps of this binary run in one process), ours with
# every step exec'ed (S6BOX_NOCHAIN=1), Debian's s6, daemontools and runit's
# chpst -e E -o 64 -u nobody true. Variants are interleaved run by run so
# that load on the machine hits them alike; the cost of the loop itself
# (bash forking and exec'ing /bin/true) is measured the same way and
# subtracted. Needs root (setuidgid).
# Usage: bench_chain.sh PATH-TO-s6box [ITERATIONS]
set -euo pipefail
bin=$(readlink -f "${1:?usage: bench_chain.sh PATH-TO-s6box [iterations]}")
n=${2:-500}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" --install "$tmp/bin" >/dev/null
mkdir "$tmp/E"
echo value >"$tmp/E/FOO"
echo bar >"$tmp/E/BAR"
: >"$tmp/E/UNSETME"
E=$tmp/E
sys=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# The least any Go program costs here: an empty one, built with our flags.
mkdir -p "$tmp/empty"
printf 'module empty\n\ngo 1.22\n' >"$tmp/empty/go.mod"
printf 'package main\n\nfunc main() {}\n' >"$tmp/empty/main.go"
(cd "$tmp/empty" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/goempty" .)

names=(loop goempty ours ours-exec s6 daemontools runit)
declare -A label=(
  [loop]="loop overhead (/bin/true alone)"
  [goempty]="empty Go program (floor of any Go process)"
  [ours]="s6box, in-process chain"
  [ours-exec]="s6box, S6BOX_NOCHAIN=1 (every step exec'ed)"
  [s6]="s6 $(dpkg-query -W -f='${Version}' s6 2>/dev/null || echo '?')"
  [daemontools]="daemontools $(dpkg-query -W -f='${Version}' daemontools 2>/dev/null || echo '?')"
  [runit]="runit chpst $(dpkg-query -W -f='${Version}' runit 2>/dev/null || echo '?')"
)
declare -A cmdline=(
  [loop]="/bin/true"
  [goempty]="func main() {}, same build flags"
  [ours]="envdir E softlimit -o 64 setuidgid nobody true"
  [ours-exec]="same, S6BOX_NOCHAIN=1"
  [s6]="s6-envdir E s6-softlimit -o 64 s6-setuidgid nobody true"
  [daemontools]="envdir E softlimit -o 64 setuidgid nobody true"
  [runit]="chpst -e E -o 64 -u nobody true"
)
avail() {
  case $1 in
  s6) [ -x /usr/bin/s6-envdir ] ;;
  daemontools) [ -x /usr/bin/envdir ] && [ -x /usr/bin/softlimit ] && [ -x /usr/bin/setuidgid ] ;;
  runit) [ -x /usr/bin/chpst ] ;;
  *) true ;;
  esac
}
once() {
  case $1 in
  loop) /bin/true ;;
  goempty) "$tmp/goempty" ;;
  ours) PATH=$tmp/bin:$sys envdir "$E" softlimit -o 64 setuidgid nobody true ;;
  ours-exec) S6BOX_NOCHAIN=1 PATH=$tmp/bin:$sys envdir "$E" softlimit -o 64 setuidgid nobody true ;;
  s6) PATH=$sys s6-envdir "$E" s6-softlimit -o 64 s6-setuidgid nobody true ;;
  daemontools) PATH=$sys /usr/bin/envdir "$E" /usr/bin/softlimit -o 64 /usr/bin/setuidgid nobody true ;;
  runit) PATH=$sys chpst -e "$E" -o 64 -u nobody true ;;
  esac
}
run=()
for v in "${names[@]}"; do
  if avail "$v"; then
    once "$v" || { echo "$v: the chain fails" >&2; exit 1; }
    run+=("$v")
    : >"$tmp/$v.t"
  fi
done
# CPU time of the children (user+sys, clock ticks), from this shell's
# /proc/PID/stat: cumulative values, so per-run deltas sum up exactly.
cputicks() { local st; read -ra st </proc/$$/stat; echo $((st[15] + st[16])); }
declare -A cpu
for v in "${run[@]}"; do cpu[$v]=0; done
for _ in $(seq 1 "$n"); do
  for v in "${run[@]}"; do
    c0=$(cputicks)
    t0=${EPOCHREALTIME/./}
    once "$v"
    t1=${EPOCHREALTIME/./}
    c1=$(cputicks)
    echo $((t1 - t0)) >>"$tmp/$v.t"
    cpu[$v]=$((cpu[$v] + c1 - c0))
  done
done
hz=$(getconf CLK_TCK)
# median FILE (microseconds)
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:int((a[NR/2]+a[NR/2+1])/2)}'; }
loop=$(median "$tmp/loop.t")
echo "## Chain-loading: \`envdir E softlimit -o 64 setuidgid nobody true\`"
echo
echo "$n runs of each, interleaved; median wall time per run from bash, the same minus the loop overhead (bash fork+exec of /bin/true, ${loop} µs), and the mean CPU time (user+sys) of the chain's processes per run (less sensitive to other load on the machine). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| implementation | command | median per run (µs) | minus loop (µs) | CPU per run (µs) |"
echo "|---|---|---:|---:|---:|"
declare -A net
for v in "${run[@]}"; do
  m=$(median "$tmp/$v.t")
  net[$v]=$((m - loop))
  [ "$v" = loop ] && continue
  echo "| ${label[$v]} | \`${cmdline[$v]}\` | $m | ${net[$v]} | $((cpu[$v] * 1000000 / hz / n)) |"
done
echo
if [ -n "${net[runit]:-}" ]; then
  if [ "${net[ours]}" -le "${net[runit]}" ]; then met="met"; else met="NOT met"; fi
  echo "Target: ours ≤ runit's chpst (${net[ours]} µs vs ${net[runit]} µs net per run): **$met**."
  echo
  echo "Floor: an empty Go program costs ${net[goempty]} µs net by itself, against ${net[runit]} µs for chpst's"
  echo "whole chain including the exec of \`true\`."
else
  echo "Target: ours ≤ runit's chpst: not measured (runit's chpst is not installed)."
fi
