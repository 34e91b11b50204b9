#!/usr/bin/env bash
# `make demo`: a small supervision tree driven by s6box, step by step.
#   - a scan directory with two services: "clock" (logs a line a second through
#     s6-log into a logdir) and "ready" (signals readiness on notification-fd 3)
#   - svscan supervises them in-process; we look at them with svstat, stop and
#     start them with svc -w…, read the log with tai64nlocal, then tear down.
# Set DEMO_KEEP=1 to leave the tree running and poke at it yourself.
set -euo pipefail
bin=${1:?usage: demo.sh PATH-TO-s6box}
demo=$(mktemp -d /tmp/s6box-demo.XXXXXX)
mkdir -p "$demo/bin"
"$bin" --install "$demo/bin"
export PATH="$demo/bin:$PATH"
scan=$demo/service
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

mkdir -p "$scan/clock/log" "$scan/ready" "$demo/log"
cat >"$scan/clock/run" <<'RUN'
#!/bin/sh
exec 2>&1
n=0
while :; do n=$((n+1)); echo "clock tick $n"; sleep 1; done
RUN
cat >"$scan/clock/log/run" <<RUN
#!/bin/sh
exec s6-log -b n5 s4096 t $demo/log/clock
RUN
cat >"$scan/ready/run" <<'RUN'
#!/bin/sh
sleep 1
echo >&3
exec sleep 100000
RUN
echo 3 >"$scan/ready/notification-fd"
chmod +x "$scan/clock/run" "$scan/clock/log/run" "$scan/ready/run"

say "svscan $scan &"
svscan "$scan" &
scanner=$!
cleanup() {
  if [ -z "${DEMO_KEEP:-}" ]; then
    svscanctl -t "$scan" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$scanner" 2>/dev/null || break; sleep 0.1; done
    kill "$scanner" 2>/dev/null || true
    rm -rf "$demo"
  fi
}
trap cleanup EXIT

say "until svok $scan/ready && svok $scan/clock/log; do sleep 0.1; done   # supervisors up?"
for _ in $(seq 100); do svok "$scan/ready" && svok "$scan/clock" && svok "$scan/clock/log" && break; sleep 0.1; done
run svwait -U -t 10000 "$scan/ready"
run svwait -u -t 10000 "$scan/clock" "$scan/clock/log"
run svstat "$scan/clock" "$scan/ready"
run svstat --json "$scan/ready"
run svc -wd -T 5000 -d "$scan/clock"
run svstat "$scan/clock"
run svc -wu -T 5000 -u "$scan/clock"
sleep 2
say "tai64nlocal < $demo/log/clock/current"
tai64nlocal <"$demo/log/clock/current" | tail -n 3
if [ -n "${DEMO_KEEP:-}" ]; then
  echo
  echo "The tree keeps running (scanner pid $scanner). Try:"
  echo "  PATH=$demo/bin:\$PATH svstat $scan/*"
  echo "  PATH=$demo/bin:\$PATH svscanctl -t $scan   # to stop it"
  exit 0
fi
run svscanctl -t "$scan"
wait "$scanner" || true
echo
echo "demo done: the scanner stopped every service and exited."
