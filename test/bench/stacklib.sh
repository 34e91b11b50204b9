# Shell functions shared by the benchmarks that run whole supervision
# stacks (bench_svscan.sh, bench_loghost.sh); sourced, not run.

# stack_setup NAME BIN: sets $bin (absolute), $work (a fresh directory,
# removed at exit) and $farm (BIN's applets installed there); every scanner
# pid appended to $work/started has its process group killed at exit.
stack_setup() {
	bin=$(readlink -f "$2")
	work=$(mktemp -d "/tmp/$1.XXXXXX")
	farm=$work/bin
	"$bin" --install "$farm" >/dev/null || { echo "cannot install applets from $bin" >&2; exit 1; }
	: >"$work/started"
	trap stack_cleanup EXIT
}

stack_cleanup() {
	local p
	while read -r p; do
		kill -KILL -- "-$p" 2>/dev/null
	done <"$work/started"
	rm -rf "$work"
}

# make_scandir DIR N TAG: N services running "sleep TAG"
make_scandir() {
	local dir=$1 n=$2 tag=$3 i
	mkdir -p "$dir"
	for ((i = 0; i < n; i++)); do
		mkdir -p "$dir/s$i"
		printf '#!/bin/sh\nexec sleep %s\n' "$tag" >"$dir/s$i/run"
		chmod +x "$dir/s$i/run"
	done
}

# pids of live processes whose argv is exactly "sleep $1" (only counted and
# killed by pid; the tag is unique to one measurement)
sleeps() { pgrep -xf "sleep $1"; }

count_sleeps() { pgrep -c -xf "sleep $1"; }

# descendants of $1 (inclusive)
tree() {
	local p=$1 c
	echo "$p"
	for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do
		tree "$c"
	done
}

# supervision_pids PID TAG: PID and its descendants except the daemons
# running "sleep TAG": the processes a supervision stack itself costs.
supervision_pids() {
	local p sl
	sl=" $(sleeps "$2" | tr '\n' ' ') "
	for p in $(tree "$1"); do
		case $sl in *" $p "*) ;; *) echo "$p" ;; esac
	done
}

# sum of USS (Private_Clean + Private_Dirty) and PSS in KiB over pids
memsum() {
	local uss=0 pss=0 p u s
	for p in "$@"; do
		[ -r /proc/"$p"/smaps_rollup ] || continue
		read -r u s < <(awk '/^Private_(Clean|Dirty):/ {u+=$2} /^Pss:/ {s+=$2} END {print u+0, s+0}' /proc/"$p"/smaps_rollup)
		uss=$((uss + u)); pss=$((pss + s))
	done
	echo "$uss $pss"
}

# stop IMPL DIR PID TAG: orderly stop (IMPL ours*, s6 or runit; anything
# else gets SIGTERM), then kill
# what is left of the scanner's process group and the tagged daemons
stop() {
	local impl=$1 dir=$2 pid=$3 tag=$4 i p
	case $impl in
	ours*) "$farm/s6-svscanctl" -t "$dir" 2>/dev/null ;;
	s6) /usr/bin/s6-svscanctl -t "$dir" 2>/dev/null ;;
	runit) kill -HUP "$pid" 2>/dev/null ;;
	*) kill -TERM "$pid" 2>/dev/null ;;
	esac
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$pid" 2>/dev/null
	for p in $(sleeps "$tag"); do kill -KILL "$p" 2>/dev/null; done
	sleep 0.2
}

# start_floor DIR: the floor of a bring-up, no supervision: one process
# forks every DIR/s*/run at once; started like a scanner (own process
# group, pid recorded and printed), stopped by stop's default branch.
start_floor() {
	setsid perl -e 'chdir $ARGV[0]; for my $d (glob "s*") { if (!fork) { chdir $d; exec "./run" } } sleep 1000' "$1" </dev/null >/dev/null 2>&1 &
	echo $! >>"$work/started"
	echo $!
}

# floor_verdict FLOOR S6: the sentence saying where the floor (seconds for
# the scripts alone) puts a "half of s6's bring-up" target.
floor_verdict() {
	local rf
	rf=$(awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}')
	echo "Floor: the 500 scripts alone start in $1 s, $rf of s6's bring-up;"
	awk -v f="$rf" 'BEGIN {print (f > 0.45) ? "the 0.5 target is at or below what the daemons themselves cost here: not reachable on this machine." : "the 0.5 target is above the floor."}'
}
