#!/usr/bin/env bash
# Runs every benchmark script test/bench/bench_*.sh in order with the built
# binary, and writes their Markdown sections to test/bench/RESULTS.md under a
# line that says which machine and which versions produced them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:?usage: run.sh PATH-TO-s6box}
out=$here/RESULTS.md
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
{
  echo "# s6box benchmark results"
  echo
  cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
  mem=$(free -g | awk '/Mem:/ {print $2 " GiB"}')
  s6v=$(dpkg-query -W -f='${Version}' s6 2>/dev/null || echo "not installed")
  runitv=$(dpkg-query -W -f='${Version}' runit 2>/dev/null || echo "not installed")
  echo "Machine: $(uname -srm), $(nproc) cores ($cpu), $mem; $(go version | cut -d' ' -f3); Debian s6 $s6v, runit $runitv; run $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  for b in "$here"/bench_*.sh; do
    [ -e "$b" ] || continue
    echo "running $(basename "$b")" >&2
    bash "$b" "$bin" || echo "**$(basename "$b") failed with status $?**"
    echo
  done
} >"$tmp"
mv "$tmp" "$out"
echo "wrote $out" >&2
