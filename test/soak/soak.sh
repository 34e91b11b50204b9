#!/usr/bin/env bash
# Soak test (make soak; not part of make test): SOAK_SERVICES services
# (default 1000) under our svscan, all restarted with one s6-svc -r every
# SOAK_PAUSE seconds for SOAK_SECONDS (default 300). Every SOAK_INTERVAL
# seconds the scanner's private memory (smaps_rollup Private_Clean +
# Private_Dirty), descriptors and threads are sampled and printed as a
# table, ending with a verdict on growth after the warm-up (the first third).
#
# Beside them, under the same scanner:
#  - crash: a service whose run exits 1 at once (a crash loop);
#  - full: a producer writing 100-byte lines, logged by our s6-log into a
#    1 MiB tmpfs (mounted in a private mount namespace: unshare -m, root
#    only; without root the logdir is an ordinary directory).
# Their state (logger memory and descriptors, tmpfs use, lines produced,
# crash restarts) is sampled too.
#
# Usage: test/soak/soak.sh PATH-TO-s6box
set -euo pipefail
bin=$(realpath "${1:?usage: soak.sh PATH-TO-s6box}")
secs=${SOAK_SECONDS:-300}
nsv=${SOAK_SERVICES:-1000}
interval=${SOAK_INTERVAL:-5}
pause=${SOAK_PAUSE:-2}

work=$(mktemp -d /tmp/s6box-soak.XXXXXX)
sc=$work/sc
farm=$work/bin
scanpid=
alive() { [ -e "/proc/$1" ] && ! grep -q '^[^ ]* ([^)]*) Z' "/proc/$1/stat" 2>/dev/null; }
cleanup() {
  if [ -n "$scanpid" ] && alive "$scanpid"; then
    "$farm/s6-svscanctl" -t "$sc" 2>/dev/null || true
    t0=$SECONDS
    for _ in $(seq 1 150); do alive "$scanpid" || break; sleep 0.2; done
    if alive "$scanpid"; then
      echo "svscan still running $((SECONDS - t0))s after svscanctl -t; its children:"
      kids=$(ps -o pid= --ppid "$scanpid" | tr -d ' ')
      ps -o pid=,stat=,args= --ppid "$scanpid" | cut -c1-150
      kill -KILL -- "-$scanpid" 2>/dev/null || true
      for k in $kids; do kill -KILL -- "-$k" "$k" 2>/dev/null || true; done
    else
      echo "svscan exited $((SECONDS - t0))s after svscanctl -t"
    fi
    wait "$scanpid" 2>/dev/null || true
  fi
  # The tmpfs lived in the scanner's mount namespace: gone with it.
  rm -rf "$work"
}
trap cleanup EXIT

"$bin" --install "$farm" >/dev/null
export PATH=$farm:$PATH
mkdir -p "$sc" "$work/full"
printf '%s\n' "Soak: $nsv services, restarted every ${pause}s for ${secs}s; sample every ${interval}s" >&2
for i in $(seq -w 0 $((nsv - 1))); do
  mkdir "$sc/s$i"
  printf '#!/bin/sh\nexec sleep 100000\n' >"$sc/s$i/run"
  chmod +x "$sc/s$i/run"
done
mkdir "$sc/crash"
printf '#!/bin/sh\necho x >>%s/crashes\nexit 1\n' "$work" >"$sc/crash/run"
mkdir -p "$sc/full/log"
cat >"$sc/full/run" <<EOF
#!/bin/sh
i=0
while :; do
  n=0
  while [ \$n -lt 200 ]; do
    echo "line \$i ................................................................................."
    i=\$((i+1)); n=\$((n+1))
  done
  echo \$i >$work/produced.new && mv $work/produced.new $work/produced
  sleep 0.2
done
EOF
printf '#!/bin/sh\nexec s6-log -- s900000 n3 %s/full/log\n' "$work" >"$sc/full/log/run"
chmod +x "$sc/crash/run" "$sc/full/run" "$sc/full/log/run"

fsnote="ordinary directory (not root: no private tmpfs)"
if [ "$(id -u)" = 0 ] && command -v unshare >/dev/null; then
  setsid unshare -m --propagation private -- sh -c \
    'mount -t tmpfs -o size=1m tmpfs "$1" && exec s6-svscan -C "$3" "$2"' sh "$work/full" "$sc" $((nsv + 10)) \
    >"$work/scan.log" 2>&1 &
  fsnote="1 MiB tmpfs in a private mount namespace"
else
  setsid s6-svscan -C $((nsv + 10)) "$sc" >"$work/scan.log" 2>&1 &
fi
scanpid=$!

priv() { # private kB of a pid (smaps_rollup), or -
  awk '/^Private_(Clean|Dirty):/ {s += $2} END {if (NR) print s; else print "-"}' "/proc/$1/smaps_rollup" 2>/dev/null || echo -
}
nfd() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
nthr() { awk '/^Threads:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo -; }
svpid() { s6-svstat -o pid "$1" 2>/dev/null || echo 0; }
fsused() { # kB used in the logdir's filesystem, seen from the scanner's namespace
  nsenter -t "$scanpid" -m df -k "$work/full" 2>/dev/null | awk 'NR == 2 {print $3}' || echo -
}

# Wait until every service is up.
deadline=$((SECONDS + 120))
until [ "$(s6-svstat -o up "$sc"/s* 2>/dev/null | grep -c true)" -ge "$nsv" ]; do
  if [ $SECONDS -ge $deadline ]; then echo "not all $nsv services up after 120s" >&2; exit 1; fi
  sleep 1
done
echo "all $nsv services up after ${SECONDS}s" >&2

table=$work/table
printf '%6s %8s %12s %6s %6s %12s %7s %9s %9s %8s\n' t cycles scan_priv_kB fds thr log_priv_kB log_fd tmpfs_kB produced crashes | tee "$table"
start=$SECONDS
next=0
cycles=0
dirs=("$sc"/s*)
while :; do
  el=$((SECONDS - start))
  if [ "$el" -ge "$next" ]; then
    lp=$(svpid "$sc/full/log")
    printf '%6d %8d %12s %6s %6s %12s %7s %9s %9s %8s\n' "$el" "$cycles" \
      "$(priv "$scanpid")" "$(nfd "$scanpid")" "$(nthr "$scanpid")" \
      "$( [ "$lp" != 0 ] && priv "$lp" || echo -)" "$( [ "$lp" != 0 ] && nfd "$lp" || echo -)" \
      "$(fsused)" "$(cat "$work/produced" 2>/dev/null || echo 0)" \
      "$(wc -l <"$work/crashes" 2>/dev/null || echo 0)" | tee -a "$table"
    next=$((next + interval))
  fi
  [ "$el" -ge "$secs" ] && break
  s6-svc -r "${dirs[@]}" || echo "s6-svc -r failed with status $?" >&2
  cycles=$((cycles + 1))
  sleep "$pause"
done

# Verdict: samples after the warm-up (first third) against the first of them.
awk -v warm=$((secs / 3)) '
  NR == 1 || $1 < warm { next }
  !n++ { p0 = $3; f0 = $4; t0 = $5 }
  { p1 = $3; f1 = $4; t1 = $5; if ($3 > pmax) pmax = $3 }
  END {
    if (n < 2) { print "verdict: too few samples after the warm-up"; exit }
    dp = p1 - p0; df = f1 - f0
    printf "after warm-up (t >= %ds, %d samples): scanner private %d -> %d kB (%+d, max %d), fds %d -> %d, threads %d -> %d\n", warm, n, p0, p1, dp, pmax, f0, f1, t0, t1
    if (df > 0) print "verdict: DESCRIPTOR GROWTH"
    else if (dp > 2048 && dp > p0 / 10) print "verdict: MEMORY GROWTH (more than 2 MiB and 10%)"
    else print "verdict: no growth"
  }' "$table"
echo "logdir filesystem: $fsnote"
echo "scanner log (last 15 lines, $(wc -l <"$work/scan.log") in all):"
tail -n 15 "$work/scan.log" | cut -c1-240
echo "logger status: $(s6-svstat "$sc/full/log" 2>&1)"
echo "producer status: $(s6-svstat "$sc/full" 2>&1)"
echo "crash status: $(s6-svstat "$sc/crash" 2>&1)"
