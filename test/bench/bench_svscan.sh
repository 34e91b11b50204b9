#!/usr/bin/env bash
# Scanner benchmarks: memory per supervised service, bring-up time of 500
# services, and a control round trip under load, for our svscan (default
# in-process mode and -P process mode), Debian's s6-svscan + s6-supervise
# and runit's runsvdir + runsv. Prints a Markdown section on stdout.
#
# usage: bench_svscan.sh PATH-TO-s6box
set -uo pipefail
bin=${1:?usage: bench_svscan.sh PATH-TO-s6box}
# shellcheck source=stacklib.sh
. "$(dirname "$0")/stacklib.sh"
stack_setup bench-svscan "$bin"

have() { [ -x "$1" ]; }

# start IMPL DIR: starts a scanner in its own process group, prints its pid
start() {
	local impl=$1 dir=$2
	if [ "$impl" = floor ]; then
		start_floor "$dir"
		return
	fi
	case $impl in
	ours) setsid "$farm/s6-svscan" -C 10000 "$dir" </dev/null >/dev/null 2>&1 & ;;
	ours-P) setsid "$farm/s6-svscan" -P -C 10000 "$dir" </dev/null >/dev/null 2>&1 & ;;
	s6) setsid /usr/bin/s6-svscan -c 5000 "$dir" </dev/null >/dev/null 2>&1 & ;;
	runit) setsid /usr/bin/runsvdir "$dir" </dev/null >/dev/null 2>&1 & ;;
	esac
	echo $! >>"$work/started"
	echo $!
}

# wait_sleeps TAG N: until N sleeps run (max 120 s); prints seconds taken
wait_sleeps() {
	local tag=$1 n=$2 t0 now
	t0=$(date +%s.%N)
	while [ "$(count_sleeps "$tag")" -lt "$n" ]; do
		now=$(date +%s.%N)
		if awk -v a="$t0" -v b="$now" 'BEGIN {exit !(b - a > 120)}'; then
			echo "timeout"
			return 1
		fi
		sleep 0.02
	done
	now=$(date +%s.%N)
	awk -v a="$t0" -v b="$now" 'BEGIN {printf "%.2f", b - a}'
}

impl_name() {
	case $1 in
	ours) echo "s6box svscan (in-process)" ;;
	ours-P) echo "s6box svscan -P (process mode)" ;;
	s6) echo "s6-svscan + s6-supervise 2.11" ;;
	runit) echo "runsvdir + runsv" ;;
	floor) echo "floor: no supervision (perl forks the 500 run scripts at once)" ;;
	esac
}

available() {
	case $1 in
	ours | ours-P) [ -e "$farm/s6-svscan" ] && [ -e "$farm/s6-supervise" ] ;;
	s6) have /usr/bin/s6-svscan && have /usr/bin/s6-supervise ;;
	runit) have /usr/bin/runsvdir && have /usr/bin/runsv ;;
	floor) command -v perl >/dev/null ;;
	esac
}

# unique tag per measurement: a fresh number for `sleep TAG`
newtag() { echo $((7000000 + RANDOM * 8 + 10#$(date +%N) % 8)); }
# mem IMPL N: prints "uss_per_service pss_per_service uss_total" in KiB
mem() {
	local impl=$1 n=$2 dir tag pid uss pss
	dir=$(mktemp -d "$work/mem.XXXXXX")
	tag=$(newtag)
	make_scandir "$dir" "$n" "$tag"
	pid=$(start "$impl" "$dir")
	if ! wait_sleeps "$tag" "$n" >/dev/null; then
		stop "$impl" "$dir" "$pid" "$tag"
		echo "- - -"
		return
	fi
	# Status writes and event dirs settle, and ours gives back its start-up
	# memory 2 s after it starts (core/memtrim): measured 1 s after the last
	# daemon, a fast machine caught 100 services before that (70.6 KiB each,
	# 44.5 once released). Every implementation waits the same.
	sleep 4
	read -r uss pss < <(memsum $(supervision_pids "$pid" "$tag"))
	stop "$impl" "$dir" "$pid" "$tag"
	awk -v u="$uss" -v s="$pss" -v n="$n" 'BEGIN {printf "%.1f %.1f %d", u / n, s / n, u}'
}

# mem_late IMPL N: as mem, but the way s6-rc does it at boot: the scanner
# starts on an empty directory, 3 s later N services with a down file are
# linked in and svscanctl -a'd, 3 s after that they are started with svc -u
# (one call per service, as s6-rc makes them); USS is read 4 s after the
# last daemon runs.
mem_late() {
	local impl=$1 n=$2 dir src tag pid p ctl svc uss
	dir=$(mktemp -d "$work/late.XXXXXX")
	src=$(mktemp -d "$work/latesrc.XXXXXX")
	tag=$(newtag)
	make_scandir "$src" "$n" "$tag"
	for p in "$src"/s*; do touch "$p/down"; done
	case $impl in
	ours) ctl=$farm/s6-svscanctl svc=$farm/s6-svc ;;
	s6) ctl=/usr/bin/s6-svscanctl svc=/usr/bin/s6-svc ;;
	esac
	pid=$(start "$impl" "$dir")
	sleep 3
	for p in "$src"/s*; do ln -s "$p" "$dir/"; done
	"$ctl" -a "$dir"
	sleep 3
	for p in "$dir"/s*; do "$svc" -u "$p"; done
	if ! wait_sleeps "$tag" "$n" >/dev/null; then
		stop "$impl" "$dir" "$pid" "$tag"
		echo "-"
		return
	fi
	sleep 4
	read -r uss _ < <(memsum $(supervision_pids "$pid" "$tag"))
	stop "$impl" "$dir" "$pid" "$tag"
	awk -v u="$uss" -v n="$n" 'BEGIN {printf "%.1f", u / n}'
}

# bringup IMPL N: seconds from scanner start to N daemons running
bringup() {
	local impl=$1 n=$2 dir tag pid secs
	dir=$(mktemp -d "$work/up.XXXXXX")
	tag=$(newtag)
	make_scandir "$dir" "$n" "$tag"
	sync
	pid=$(start "$impl" "$dir")
	secs=$(wait_sleeps "$tag" "$n")
	stop "$impl" "$dir" "$pid" "$tag"
	echo "$secs"
}

# ctl N PAIR...: every scanner named in the PAIRs ("IMPL:CLIENT") runs its own
# N services at once; in each of 31 rounds every pair in turn does an untimed
# "CLIENT -wd -d" and wait for down and ready, then a timed "CLIENT -wu -u",
# on its scanner's first service. Taking turns inside every round, all
# stacks share the machine's slow and fast spells. Prints the medians (ms)
# in PAIR order. CLIENT "mini" is the minimal Go client (its -wd -d is done
# by our svc). The scanners are left 5 s to settle after the last daemon is
# up (the last supervisors are still writing their first status and event
# files, ours trims its memory 2 s after start), and the time is read from
# bash's EPOCHREALTIME, so a sample holds the client and nothing else.
ctl() {
	local n=$1 i k impl c d t0 t1
	shift
	local pairs=("$@")
	declare -A dirs tags pids times
	for k in "${!pairs[@]}"; do
		impl=${pairs[$k]%%:*}
		[ -n "${dirs[$impl]:-}" ] && continue
		dirs[$impl]=$(mktemp -d "$work/ctl.XXXXXX")
		tags[$impl]=$(newtag)
		make_scandir "${dirs[$impl]}" "$n" "${tags[$impl]}"
		pids[$impl]=$(start "$impl" "${dirs[$impl]}")
	done
	local ok=1
	for impl in "${!dirs[@]}"; do
		wait_sleeps "${tags[$impl]}" "$n" >/dev/null || ok=0
	done
	if [ "$ok" = 1 ]; then
		sleep 5
		for ((i = 0; i < 31; i++)); do
			for k in "${!pairs[@]}"; do
				impl=${pairs[$k]%%:*} c=${pairs[$k]#*:}
				d=${dirs[$impl]}/s0
				if [ "$c" = mini ]; then
					"$oursvc" -wd -d "$d" || break 2
					/usr/bin/s6-svwait -D -t 10000 "$d" || break 2
					t0=${EPOCHREALTIME/./}
					MINISVC_CMD=u MINISVC_DIR=$d "$minisvc" || break 2
					t1=${EPOCHREALTIME/./}
				else
					"$c" -wd -d "$d" || break 2
					/usr/bin/s6-svwait -D -t 10000 "$d" || break 2
					t0=${EPOCHREALTIME/./}
					"$c" -wu -u "$d" || break 2
					t1=${EPOCHREALTIME/./}
				fi
				times[$k]+="$((t1 - t0)) "
			done
		done
	fi
	for impl in "${!dirs[@]}"; do
		stop "$impl" "${dirs[$impl]}" "${pids[$impl]}" "${tags[$impl]}"
	done
	for k in "${!pairs[@]}"; do
		if [ -z "${times[$k]:-}" ]; then
			printf -- '- '
			continue
		fi
		# shellcheck disable=SC2086
		printf '%s\n' ${times[$k]} | sort -n | awk '{a[NR] = $1} END {printf "%.1f ", a[int((NR + 1) / 2)] / 1000}'
	done
}

echo "## svscan: supervision memory, bring-up, control under load"
echo
echo "Memory: N services running \`exec sleep\`; USS (Private_Clean + Private_Dirty from"
echo "/proc/PID/smaps_rollup) and PSS summed over the scanner and every supervisor (not the"
echo "daemons), divided by N. KiB per service. *Marginal* = (USS total at N − USS total at"
echo "N=1) / (N − 1): what one more service costs once the fixed part is paid."
echo
echo "| implementation | N | USS KiB/service | PSS KiB/service | marginal USS KiB |"
echo "|---|---:|---:|---:|---:|"
target_uss=""
for impl in ours ours-P s6 runit; do
	available "$impl" || { echo "| $(impl_name "$impl") | - | not available | |"; continue; }
	for n in 1 100 1000; do
		# process-per-service Go supervisors cost ~1 MB each: 1000 of them
		# is not worth the machine's time; runit likewise capped.
		if [ "$n" = 1000 ] && { [ "$impl" = ours-P ] || [ "$impl" = runit ]; }; then
			continue
		fi
		read -r u p tot < <(mem "$impl" "$n")
		if [ "$n" = 1 ]; then base=$tot; fi
		marg=$(awk -v t="$tot" -v b="${base:-}" -v n="$n" 'BEGIN {if (n == 1 || b == "" || t == "-") print "-"; else printf "%.1f", (t - b) / (n - 1)}')
		echo "| $(impl_name "$impl") | $n | $u | $p | $marg |"
		if [ "$impl" = ours ] && [ "$n" = 100 ]; then target_uss=$u; fi
	done
done
echo
if [ -n "$target_uss" ] && [ "$target_uss" != "-" ]; then
	met=$(awk -v u="$target_uss" 'BEGIN {print (u <= 50) ? "met" : "NOT met"}')
	echo "Target: ≤ 50 KiB USS per service in default mode at N=100: $target_uss KiB — $met."
fi
echo

echo "Services handed over after start, as s6-rc does at boot: the scanner starts on an empty"
echo "directory; 3 s later 100 services with a \`down\` file are linked in and \`svscanctl -a\`'d, 3 s"
echo "after that started with \`svc -u\`, one call each; USS per service 4 s after the last daemon runs."
echo
echo "| implementation | USS KiB/service |"
echo "|---|---:|"
for impl in ours s6; do
	available "$impl" || continue
	echo "| $(impl_name "$impl") | $(mem_late "$impl" 100) |"
done
echo

echo "Bring-up: scanner start until 500 daemons run (seconds, polled every 20 ms); three rounds,"
echo "the implementations taking turns in each, so a slow spell of the machine hits them alike;"
echo "the median is compared. The floor row starts the same 500 scripts without any supervision:"
echo "what the daemons' own start costs on this machine."
echo
echo "| implementation | round 1 | round 2 | round 3 | median |"
echo "|---|---:|---:|---:|---:|"
declare -A up rounds
upimpls=()
for impl in ours ours-P s6 runit floor; do
	available "$impl" && upimpls+=("$impl")
done
for round in 1 2 3; do
	for impl in "${upimpls[@]}"; do
		rounds[$impl]+="$(bringup "$impl" 500) "
	done
done
for impl in "${upimpls[@]}"; do
	# shellcheck disable=SC2086
	up[$impl]=$(printf '%s\n' ${rounds[$impl]} | sort -n | sed -n 2p)
	# shellcheck disable=SC2086
	echo "| $(impl_name "$impl") | $(printf '%s | ' ${rounds[$impl]})${up[$impl]} |"
done
echo
if [ -n "${up[ours]:-}" ] && [ -n "${up[s6]:-}" ]; then
	met=$(awk -v a="${up[ours]}" -v b="${up[s6]}" 'BEGIN {print (a <= b / 2) ? "met" : "NOT met"}' 2>/dev/null)
	echo "Target: default mode ≤ half of s6's bring-up time: ${up[ours]} s vs ${up[s6]} s — $met."
	if [ -n "${up[floor]:-}" ]; then
		echo
		floor_verdict "${up[floor]}" "${up[s6]}"
	fi
fi
echo

oursvc=$farm/s6-svc
here=$(cd "$(dirname "$0")" && pwd)
minisvc=$work/minisvc
(cd "$here/../.." && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$minisvc" ./test/bench/minisvc) || minisvc=""
echo "Control under load: median of 31 \`svc -wu -u\` round trips (service down and ready before"
echo "each) on one service while 500 run, 5 s after the last daemon came up, each stack with its"
echo "own client (our svc against our scanner, Debian's s6-svc against s6-svscan), plus our svc"
echo "against s6-svscan to compare the daemons alone, and the minimal Go client (test/bench/minisvc:"
echo "only svc -w's system calls, only package syscall) against our scanner as the floor of any Go"
echo "client. All scanners run at once, each with its own 500 services, and every row takes its"
echo "turn in every round, so they share the machine's load. Milliseconds, timed from bash with"
echo "EPOCHREALTIME (the fork and exec of the client is in every figure)."
echo
echo "| scanner | client | ms |"
echo "|---|---|---:|"
declare -A ctlms
pairs=() names=() keys=()
if available ours; then
	pairs+=("ours:$oursvc"); names+=("$(impl_name ours) | our svc"); keys+=(ours)
	if [ -n "$minisvc" ]; then
		pairs+=("ours:mini"); names+=("$(impl_name ours) | minimal Go client"); keys+=(mini)
	fi
fi
if available ours-P; then
	pairs+=("ours-P:$oursvc"); names+=("$(impl_name ours-P) | our svc"); keys+=(ours-P)
fi
if available s6; then
	pairs+=("s6:/usr/bin/s6-svc"); names+=("$(impl_name s6) | s6-svc"); keys+=(s6)
	pairs+=("s6:$oursvc"); names+=("$(impl_name s6) | our svc"); keys+=(s6-oursvc)
fi
if [ ${#pairs[@]} -gt 0 ]; then
	read -r -a medians < <(ctl 500 "${pairs[@]}")
	for k in "${!pairs[@]}"; do
		ctlms[${keys[$k]}]=${medians[$k]:--}
		echo "| ${names[$k]} | ${ctlms[${keys[$k]}]} |"
	done
fi
echo
if [ -n "${ctlms[ours]:-}" ] && [ -n "${ctlms[s6]:-}" ]; then
	met=$(awk -v a="${ctlms[ours]}" -v b="${ctlms[s6]}" 'BEGIN {print (a <= b / 2) ? "met" : "NOT met"}' 2>/dev/null)
	ratio=$(awk -v a="${ctlms[ours]}" -v b="${ctlms[s6]}" 'BEGIN {printf "%.2f", a / b}' 2>/dev/null)
	echo "Target: ours ≤ half of s6's control round trip under load: ${ctlms[ours]} ms vs ${ctlms[s6]} ms (ratio $ratio) — $met."
	if [ -n "${ctlms[mini]:-}" ] && [ "${ctlms[mini]}" != "-" ]; then
		ratio=$(awk -v a="${ctlms[mini]}" -v b="${ctlms[s6]}" 'BEGIN {printf "%.2f", a / b}' 2>/dev/null)
		echo
		echo "Floor: the minimal Go client against our scanner, ${ctlms[mini]} ms, is $ratio of s6's round trip."
	fi
fi
