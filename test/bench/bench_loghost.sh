#!/usr/bin/env bash
# Logged services: memory per service with a logger, and bring-up CPU.
#
# Memory: N services, each `#!/bin/sh` printing one line then exec'ing
# sleep, each with a log/ service `#!/bin/sh exec <logger> n3 s100000 DIR`:
# our svscan with hosted loggers (the default), our svscan with one s6-log
# process per logger (S6BOX_LOGHOST=0), Debian's s6-svscan + s6-supervise +
# s6-log, runit's runsvdir + runsv + svlogd. USS and PSS summed over every
# process of the stack but the daemons (scanner, supervisors, loggers),
# divided by N.
#
# Bring-up: 500 plain services (`#!/bin/sh` exec'ing sleep), scanner start
# until all 500 daemons run; three rounds, ours and s6 taking turns; wall
# time and the CPU time of the supervision stack (scanner and supervisors,
# not the daemons) per started service.
#
# usage: bench_loghost.sh PATH-TO-s6box
set -uo pipefail
bin=${1:?usage: bench_loghost.sh PATH-TO-s6box}
# shellcheck source=stacklib.sh
. "$(dirname "$0")/stacklib.sh"
stack_setup bench-loghost "$bin"

# cpu PID...: CPU time in microseconds summed over the pids and their
# threads (schedstat's run time, in ns: utime and stime are whole clock
# ticks, and each of s6's 500 supervise processes uses less than one)
cpu() {
	local t=0 p
	for p in "$@"; do
		t=$((t + $(cat /proc/"$p"/task/*/schedstat 2>/dev/null | awk '{s += $1} END {printf "%d", s / 1000}')))
	done
	echo "$t"
}

newtag() { echo $((8000000 + RANDOM * 8 + 10#$(date +%N) % 8)); }

# make_logged DIR N TAG LOGGER...: N services with a logger each
make_logged() {
	local dir=$1 n=$2 tag=$3 i
	shift 3
	mkdir -p "$dir" "$dir.logs"
	for ((i = 0; i < n; i++)); do
		mkdir -p "$dir/s$i/log"
		printf '#!/bin/sh\necho started\nexec sleep %s\n' "$tag" >"$dir/s$i/run"
		if [ "$1" = svlogd ]; then
			printf '#!/bin/sh\nexec svlogd -tt %s\n' "$dir.logs/s$i" >"$dir/s$i/log/run"
			mkdir -p "$dir.logs/s$i"
		else
			printf '#!/bin/sh\nexec %s n3 s100000 %s\n' "$1" "$dir.logs/s$i" >"$dir/s$i/log/run"
		fi
		chmod +x "$dir/s$i/run" "$dir/s$i/log/run"
	done
}

start() {
	local impl=$1 dir=$2
	if [ "$impl" = floor ]; then
		start_floor "$dir"
		return
	fi
	case $impl in
	ours) PATH=$farm:/usr/bin:/bin setsid "$farm/s6-svscan" -C 10000 "$dir" </dev/null >/dev/null 2>&1 & ;;
	ours-proc) S6BOX_LOGHOST=0 PATH=$farm:/usr/bin:/bin setsid "$farm/s6-svscan" -C 10000 "$dir" </dev/null >/dev/null 2>&1 & ;;
	s6) PATH=/usr/bin:/bin setsid /usr/bin/s6-svscan -c 5000 "$dir" </dev/null >/dev/null 2>&1 & ;;
	runit) PATH=/usr/bin:/bin setsid /usr/bin/runsvdir "$dir" </dev/null >/dev/null 2>&1 & ;;
	esac
	echo $! >>"$work/started"
	echo $!
}

# wait_until SECONDS CMD...: polls CMD every 20 ms; prints the seconds taken
wait_until() {
	local max=$1 t0 now
	shift
	t0=${EPOCHREALTIME/./}
	until "$@"; do
		now=${EPOCHREALTIME/./}
		if [ $((now - t0)) -gt $((max * 1000000)) ]; then
			echo timeout
			return 1
		fi
		sleep 0.02
	done
	now=${EPOCHREALTIME/./}
	awk -v d=$((now - t0)) 'BEGIN {printf "%.2f", d / 1e6}'
}

sleeps_at_least() { [ "$(count_sleeps "$1")" -ge "$2" ]; }

# every service's first line is in its logdir
all_logged() {
	local dir=$1 n=$2 c
	c=$(cat "$dir".logs/s*/current 2>/dev/null | grep -c started)
	[ "${c:-0}" -ge "$n" ]
}

available() {
	case $1 in
	ours | ours-proc) true ;;
	floor) command -v perl >/dev/null ;;
	s6) [ -x /usr/bin/s6-svscan ] && [ -x /usr/bin/s6-supervise ] && [ -x /usr/bin/s6-log ] ;;
	runit) [ -x /usr/bin/runsvdir ] && [ -x /usr/bin/runsv ] && command -v svlogd >/dev/null ;;
	esac
}

impl_name() {
	case $1 in
	ours) echo "s6box svscan, hosted loggers" ;;
	floor) echo "floor: no supervision (perl forks the 500 run scripts at once)" ;;
	ours-proc) echo "s6box svscan, s6-log processes (S6BOX_LOGHOST=0)" ;;
	s6) echo "s6-svscan + s6-supervise + s6-log 2.11" ;;
	runit) echo "runsvdir + runsv + svlogd" ;;
	esac
}

logger_of() {
	case $1 in
	ours | ours-proc) echo s6-log ;;
	s6) echo /usr/bin/s6-log ;;
	runit) echo svlogd ;;
	esac
}

# mem IMPL N: "uss_per_service pss_per_service"
mem() {
	local impl=$1 n=$2 dir tag pid uss pss
	dir=$(mktemp -d "$work/mem.XXXXXX")
	tag=$(newtag)
	make_logged "$dir" "$n" "$tag" "$(logger_of "$impl")"
	pid=$(start "$impl" "$dir")
	if ! wait_until 120 sleeps_at_least "$tag" "$n" >/dev/null || ! wait_until 60 all_logged "$dir" "$n" >/dev/null; then
		stop "$impl" "$dir" "$pid" "$tag"
		echo "- -"
		return
	fi
	sleep 4 # status writes settle; ours gives back start-up memory after 2 s
	read -r uss pss < <(memsum $(supervision_pids "$pid" "$tag"))
	stop "$impl" "$dir" "$pid" "$tag"
	awk -v u="$uss" -v s="$pss" -v n="$n" 'BEGIN {printf "%.1f %.1f", u / n, s / n}'
}

echo "## Logged services: memory per service with a logger, bring-up CPU"
echo
echo "Memory: N services, each \`#!/bin/sh\` printing one line and exec'ing sleep, each with a"
echo "log/ service \`#!/bin/sh\` + \`exec LOGGER n3 s100000 DIR\` (svlogd: \`-tt DIR\`), every first line"
echo "logged before measuring. USS (Private_Clean + Private_Dirty) and PSS from smaps_rollup, summed"
echo "over the scanner, the supervisors and the loggers (not the daemons), divided by N; KiB."
echo
echo "| implementation | N | USS KiB/logged service | PSS KiB/logged service |"
echo "|---|---:|---:|---:|"
declare -A uss
for n in 10 100; do
	for impl in ours ours-proc s6 runit; do
		available "$impl" || continue
		read -r u p < <(mem "$impl" "$n")
		uss[$impl.$n]=$u
		echo "| $(impl_name "$impl") | $n | $u | $p |"
	done
done
echo
for n in 100 10; do
	a=${uss[ours.$n]:-} b=${uss[s6.$n]:-}
	if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != - ] && [ "$b" != - ]; then
		r=$(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f", a / b}')
		if [ "$n" = 100 ]; then
			met=$(awk -v r="$r" 'BEGIN {print (r <= 0.25) ? "met" : "NOT met"}')
			echo "Target: hosted loggers ≤ 0.25 × s6's USS per logged service at N=100: $a vs $b KiB (ratio $r) — $met."
		else
			echo "At N=10: $a vs $b KiB (ratio $r); the scanner's fixed part is shared by fewer services."
		fi
		echo
	fi
done

# bringup IMPL N: "seconds cpu_microseconds"
bringup() {
	local impl=$1 n=$2 dir tag pid secs t
	dir=$(mktemp -d "$work/up.XXXXXX")
	tag=$(newtag)
	make_scandir "$dir" "$n" "$tag"
	sync
	pid=$(start "$impl" "$dir")
	secs=$(wait_until 120 sleeps_at_least "$tag" "$n")
	t=$(cpu $(supervision_pids "$pid" "$tag"))
	stop "$impl" "$dir" "$pid" "$tag"
	echo "$secs $t"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

echo "Bring-up: 500 services (\`#!/bin/sh\` exec'ing sleep), scanner start until all 500 daemons run"
echo "(polled every 20 ms); three rounds, the stacks taking turns in each. CPU: run time (schedstat) of"
echo "the scanner and supervisors, all threads, not the daemons, when the last daemon runs, per"
echo "started service. The floor row starts the same 500 scripts without any supervision: what the"
echo "daemons' own start costs on this machine."
echo
echo "| implementation | seconds, rounds | median s | CPU ms/service, rounds | median CPU ms/service |"
echo "|---|---|---:|---|---:|"
declare -A secs cpus
upimpls=(ours)
available s6 && upimpls+=(s6)
available floor && upimpls+=(floor)
for round in 1 2 3; do
	for impl in "${upimpls[@]}"; do
		read -r s t < <(bringup "$impl" 500)
		secs[$impl]+="$s "
		cpus[$impl]+="$(awk -v t="$t" 'BEGIN {printf "%.3f", t / 1000 / 500}') "
	done
done
declare -A ms mc
for impl in "${upimpls[@]}"; do
	# shellcheck disable=SC2086
	ms[$impl]=$(median ${secs[$impl]})
	# shellcheck disable=SC2086
	mc[$impl]=$(median ${cpus[$impl]})
	echo "| $(impl_name "$impl" | sed 's/, hosted loggers//') | ${secs[$impl]}| ${ms[$impl]} | ${cpus[$impl]}| ${mc[$impl]} |"
done
echo
if [ -n "${ms[s6]:-}" ]; then
	r=$(awk -v a="${ms[ours]}" -v b="${ms[s6]}" 'BEGIN {printf "%.2f", a / b}')
	met=$(awk -v r="$r" 'BEGIN {print (r <= 0.5) ? "met" : "NOT met"}')
	echo "Target: bring-up of 500 ≤ 0.5 × s6-svscan's: ${ms[ours]} s vs ${ms[s6]} s (ratio $r) — $met."
	rc=$(awk -v a="${mc[ours]}" -v b="${mc[s6]}" 'BEGIN {printf "%.2f", a / b}')
	echo
	echo "Scanner CPU per started service: ${mc[ours]} ms vs ${mc[s6]} ms (ratio $rc)."
	if [ -n "${ms[floor]:-}" ]; then
		echo
		floor_verdict "${ms[floor]}" "${ms[s6]}"
	fi
fi
