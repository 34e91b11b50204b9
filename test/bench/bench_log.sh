#!/usr/bin/env bash
# Logger throughput: 200 MB of 100-byte lines through `t s1000000 n20` into a
# logdir, for s6box's s6-log, Debian's s6-log, runit's svlogd (-tt, config
# s1000000/n20) and daemontools' multilog (t s1000000 n20), on disk and on
# tmpfs. Prints a Markdown section.
set -euo pipefail
bin=${1:?usage: bench_log.sh PATH-TO-s6box}
MB=${LOG_BENCH_MB:-200}
work=$(mktemp -d /var/tmp/bench_log.XXXXXX)
tmpfs=$(mktemp -d /tmp/bench_log_tmpfs.XXXXXX)
mounted=
cleanup() {
  [ -n "$mounted" ] && umount "$tmpfs" 2>/dev/null || true
  rm -rf "$work" "$tmpfs"
}
trap cleanup EXIT
if mount -t tmpfs -o size=$((MB * 3 + 64))m tmpfs "$tmpfs" 2>/dev/null; then mounted=1; fi
mkdir -p "$work/bin"
"$bin" --install "$work/bin" >/dev/null

# The input: 100-byte lines (99 characters + newline), generated once.
input=$work/input
awk -v n=$((MB * 1000000 / 100)) 'BEGIN {
  pad = sprintf("%81s", ""); gsub(/ /, "x", pad)
  for (i = 0; i < n; i++) printf "line %012d %s\n", i, pad }' >"$input"
bytes=$(stat -c %s "$input")

# run NAME REPS BASEDIR CMD...: time a logger reading $input (best of REPS
# runs by elapsed time; the machine is shared); prints a table row.
run() {
  local name=$1 reps=$2 base=$3; shift 3
  local dir=$base/logdir tf=$work/time best=
  local el us sy rss
  for _ in $(seq "$reps"); do
    rm -rf "$dir"; mkdir -p "$dir"
    if [ "$name" = svlogd ]; then printf 's1000000\nn20\n' >"$dir/config"; fi
    sync
    /usr/bin/time -f '%e %U %S %M' -o "$tf" "$@" "$dir" <"$input" 2>/dev/null
    read -r e u s r <"$tf"
    if [ -z "$best" ] || awk -v a="$e" -v b="$best" 'BEGIN {exit !(a < b)}'; then
      best=$e; el=$e; us=$u; sy=$s; rss=$r
    fi
  done
  awk -v n="$name" -v b="$bytes" -v el="$el" -v us="$us" -v sy="$sy" -v rss="$rss" 'BEGIN {
    mb = b / 1e6; if (el < 0.01) el = 0.01
    printf "| %s | %.1f | %.2f | %.4f | %d |\n", n, mb / el, el, (us + sy) / mb, rss }'
  rm -rf "$dir"
}

table() {
  local base=$1
  echo "| logger | MB/s | seconds | CPU s/MB | peak RSS KiB |"
  echo "|---|---|---|---|---|"
  run "s6box s6-log" 3 "$base" "$work/bin/s6-log" t s1000000 n20
  run "Debian s6-log 2.11" 3 "$base" /usr/bin/s6-log t s1000000 n20
  if command -v svlogd >/dev/null; then run svlogd 1 "$base" svlogd -tt; fi
  if command -v multilog >/dev/null; then run multilog 1 "$base" multilog t s1000000 n20; fi
}

echo "## Logger (s6-log) throughput"
echo
echo "$((bytes / 1000000)) MB of 100-byte lines, script \`t s1000000 n20\` (svlogd: \`-tt\` with \`s1000000\`/\`n20\` in config), same input file for all; s6box and Debian s6-log best of 3 runs, svlogd and multilog one run."
echo
echo "### On disk ($(df -T "$work" | awk 'NR==2 {print $2}'))"
echo
disk=$(table "$work")
echo "$disk"
echo
if [ -n "$mounted" ]; then
  echo "### On tmpfs"
  echo
  mem=$(table "$tmpfs")
  echo "$mem"
  echo
else
  mem=
  echo "(tmpfs could not be mounted: not root?)"
  echo
fi
verdict() {
  awk -F'|' '
    $2 ~ /s6box/ {ot = $3; oc = $5}
    $2 ~ /Debian s6-log/ {st = $3; sc = $5}
    END {
      if (st == 0) { print "no comparison"; exit }
      r = ot / st
      printf "%.2fx s6-log throughput (target >= 1.5x: %s), CPU/MB %.4f vs %.4f (target <=: %s)",
        r, (r >= 1.5 ? "met" : "NOT met"), oc, sc, (oc <= sc ? "met" : "NOT met") }'
}
echo "Target: at least 1.5x Debian s6-log's throughput at no more CPU per MB. Disk: $(echo "$disk" | verdict).${mem:+ tmpfs: $(echo "$mem" | verdict).}"
