#!/usr/bin/env bash
# Benchmark of a typical execline run script: five chain steps, then exec
#   fdmove -c 2 1  s6-envdir E  importas -i FOO FOO  export GREETING hello
#   define X y  true
# run by Debian's execline (each step an exec of a small C program) and by
# ours (one Go start-up: the steps run in one process), interleaved run by
# run; also ours with every step exec'ed (S6BOX_NOCHAIN=1), an empty Go
# program (the floor of any Go process) and the loop's own cost (bash
# fork+exec of /bin/true), which is subtracted.
# Usage: bench_execline.sh PATH-TO-s6box [ITERATIONS]
set -euo pipefail
bin=$(readlink -f "${1:?usage: bench_execline.sh PATH-TO-s6box [iterations]}")
n=${2:-300}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" --install "$tmp/bin" >/dev/null
mkdir "$tmp/E"
echo value >"$tmp/E/FOO"
sys=/usr/local/bin:/usr/bin:/bin

body='fdmove -c 2 1
s6-envdir '"$tmp"'/E
importas -i FOO FOO
export GREETING hello
define X y
true'
printf '#!%s -P\n%s\n' "$tmp/bin/execlineb" "$body" >"$tmp/ours.el"
printf '#!/usr/bin/execlineb -P\n%s\n' "$body" >"$tmp/real.el"
chmod +x "$tmp/ours.el" "$tmp/real.el"

mkdir -p "$tmp/empty"
printf 'module empty\n\ngo 1.22\n' >"$tmp/empty/go.mod"
printf 'package main\n\nfunc main() {}\n' >"$tmp/empty/main.go"
(cd "$tmp/empty" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$tmp/goempty" .)

echo "## execline: a run script of five chain steps, then exec"
echo
names=(loop goempty ours ours-exec)
declare -A label=(
  [loop]="loop overhead (/bin/true alone)"
  [goempty]="empty Go program (floor of any Go process)"
  [ours]="s6box execlineb, in-process chain"
  [ours-exec]="s6box execlineb, S6BOX_NOCHAIN=1 (every step exec'ed)"
  [real]="Debian execline $(dpkg-query -W -f='${Version}' execline 2>/dev/null || echo '?') + s6-envdir"
)
if [ -x /usr/bin/execlineb ] && [ -d /usr/lib/execline/bin ] && [ -x /usr/bin/s6-envdir ]; then
  names+=(real)
fi
once() {
  case $1 in
  loop) /bin/true ;;
  goempty) "$tmp/goempty" ;;
  ours) PATH=$tmp/bin:$sys "$tmp/ours.el" ;;
  ours-exec) S6BOX_NOCHAIN=1 PATH=$tmp/bin:$sys "$tmp/ours.el" ;;
  real) PATH=/usr/lib/execline/bin:$sys "$tmp/real.el" ;;
  esac
}
for v in "${names[@]}"; do
  once "$v" || { echo "$v: the script fails" >&2; exit 1; }
  : >"$tmp/$v.t"
done
for _ in $(seq 1 "$n"); do
  for v in "${names[@]}"; do
    t0=${EPOCHREALTIME/./}
    once "$v"
    t1=${EPOCHREALTIME/./}
    echo $((t1 - t0)) >>"$tmp/$v.t"
  done
done
median() { sort -n "$1" | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:int((a[NR/2]+a[NR/2+1])/2)}'; }
loop=$(median "$tmp/loop.t")
echo "$n runs of each, interleaved; median wall time per run from bash, and the same minus the loop overhead (${loop} µs). Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| implementation | median per run (µs) | minus loop (µs) |"
echo "|---|---:|---:|"
declare -A net
for v in "${names[@]}"; do
  m=$(median "$tmp/$v.t")
  net[$v]=$((m - loop))
  [ "$v" = loop ] && continue
  echo "| ${label[$v]} | $m | ${net[$v]} |"
done
echo
if [ -n "${net[real]:-}" ]; then
  if [ "${net[ours]}" -le "${net[real]}" ]; then met="met"; else met="NOT met"; fi
  echo "Goal: ours no slower than real execline's whole chain (${net[ours]} µs vs ${net[real]} µs net): **$met**. Floor: an empty Go program costs ${net[goempty]} µs net by itself."
else
  echo "Debian's execline is not installed: no comparison."
fi
