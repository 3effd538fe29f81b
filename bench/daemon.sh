#!/bin/sh
# daemon.sh — ipmuxd with N consoles against one ipmux-bmcsim fleet: start-up time, memory, CPU, fds; conserver and ConMan side by side.
#
# usage: bench/daemon.sh [--peers] [BUILD_DIR]      (make bench-daemon)
#
# Every console's simulated host prints one 64-byte numbered line per
# second (--host-output numbered --rate 64; nominally: the simulator's
# 20 ms output tick makes that about 0.65 lines/s in 1-byte SOL packets,
# see docs/BENCHMARKS.md).  For each N in COUNTS
# (default "100 1000 5000") ipmuxd runs twice, with sensor/SEL polling at
# the defaults and with polling off: time until `ipmux list --json` shows
# every console active (and until every console's log holds a host line),
# then SETTLE seconds (30) of steady state, then VmRSS/PSS/threads/fds and
# the CPU time over a WINDOW (30 s) from /proc/PID/stat.
#
# With --peers or PEERS=1 the same load is put on conserver 8.2.7 (one
# `ipmitool -I lanplus -C 17 sol activate` per console) and ConMan 0.2.7
# (libipmiconsole) for N in PEER_COUNTS (default "50 200"); they are
# installed with apt-get if missing.  Their figures are summed over every
# process they run.  "Up" for a peer is the time until every console's log
# holds a host line.
#
# Environment: COUNTS, PEER_COUNTS, SETTLE, WINDOW, BASE_PORT (10000; all
# ports stay at or below 32767 for libipmiconsole), PEERS.  Output: a table
# on stdout, also written to build/bench/daemon-TIME.txt.
# Every process started here is stopped on every exit path.

set -u

peers=${PEERS:-0}
case ${1:-} in
--peers) peers=1; shift ;;
esac
build=${1:-build}
counts=${COUNTS-100 1000 5000}
peer_counts=${PEER_COUNTS-50 200}
settle=${SETTLE:-30}
window=${WINDOW:-30}
base_port=${BASE_PORT:-10000}
bmcsim=$build/bin/ipmux-bmcsim
ipmuxd=$build/bin/ipmuxd
ipmux=$build/bin/ipmux
hz=$(getconf CLK_TCK)

die() {
	echo "bench: $*" >&2
	exit 1
}

for p in "$bmcsim" "$ipmuxd" "$ipmux"; do
	[ -x "$p" ] || die "$p is not built (run: make)"
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ipmux-bench.XXXXXX") || die "mktemp failed"
mkdir -p "$build/bench" || die "cannot create $build/bench"
out=$build/bench/daemon-$(date -u +%Y%m%dT%H%M%SZ).txt
sim_pid=
srv_pid=

# Every descendant of PID (not PID itself), from one ps snapshot.
descendants() {
	ps -e -o pid= -o ppid= | awk -v root="$1" '
	    { kid[$2] = kid[$2] " " $1 }
	    END {
		n = split(kid[root], q, " ")
		for (i = 1; i <= n; i++) {
			print q[i]
			m = split(kid[q[i]], more, " ")
			for (j = 1; j <= m; j++)
				q[++n] = more[j]
		}
	    }'
}

# stop PID: the process and everything below it; SIGTERM, up to 5 s, then
# SIGKILL.  Descendants are collected first: a dead parent hides them.
stop_tree() {
	[ -n "$1" ] || return 0
	st_kids=$(descendants "$1")
	kill "$1" 2>/dev/null
	st_n=50
	while kill -0 "$1" 2>/dev/null && [ "$st_n" -gt 0 ]; do
		sleep 0.1
		st_n=$((st_n - 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	# shellcheck disable=SC2086
	[ -z "$st_kids" ] || kill -9 $st_kids 2>/dev/null
	return 0
}

cleanup() {
	trap '' HUP INT TERM
	stop_tree "$srv_pid"
	stop_tree "$sim_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# wait_for SECONDS COMMAND...: poll every 0.2 s until COMMAND succeeds.
wait_for() {
	wf_tries=$(($1 * 5))
	shift
	while ! "$@"; do
		wf_tries=$((wf_tries - 1))
		[ "$wf_tries" -gt 0 ] || return 1
		sleep 0.2
	done
}

# Sums over a list of pids (those that vanished count as nothing).
sum_status() {	# KEY PIDS...: a /proc/PID/status field
	k=$1
	shift
	for p in "$@"; do
		cat "/proc/$p/status" 2>/dev/null
	done | awk -v k="$k:" '$1 == k { s += $2 } END { print s + 0 }'
}
sum_pss() {
	for p in "$@"; do
		cat "/proc/$p/smaps_rollup" 2>/dev/null
	done | awk '$1 == "Pss:" { s += $2 } END { print s + 0 }'
}
sum_fds() {
	for p in "$@"; do
		ls "/proc/$p/fd" 2>/dev/null
	done | wc -l
}
# Host lines in the console logs so far (all servers log to $tmp/log).
log_lines() {
	find "$tmp/log" -name '*.log' -exec cat {} + 2>/dev/null |
	    grep -c '[0-9]\{8\} '
}
sum_ticks() {	# utime + stime; the comm field may hold spaces
	for p in "$@"; do
		sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null
	done | awk '{ s += $12 + $13 } END { print s + 0 }'
}

# A base port with COUNT free UDP ports from it (ss lists the bound ones).
ports_free() {
	ss -Hlun 2>/dev/null | awk -v lo="$1" -v hi="$(($1 + $2 - 1))" '
	    { n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) busy++ }
	    END { exit busy ? 1 : 0 }'
}

umask 077
printf '%s' benchpass >"$tmp/bmc.pw"
chmod 600 "$tmp/bmc.pw"

sim_up() {
	grep -q 'BMCs listening on' "$tmp/sim.out" 2>/dev/null ||
	    ! kill -0 "$sim_pid" 2>/dev/null
}

# start_sim N: one ipmux-bmcsim with N BMCs, 1 numbered line/s per host.
# Sets $base.  Another program may take a port in between: retry higher.
start_sim() {
	base=$base_port
	while [ $((base + $1 - 1)) -le 32767 ]; do
		if ports_free "$base" "$1"; then
			"$bmcsim" --count "$1" --port "$base" --user bench \
			    --password-file "$tmp/bmc.pw" \
			    --host-output numbered --rate 64 \
			    </dev/null >"$tmp/sim.out" 2>"$tmp/sim.err" &
			sim_pid=$!
			if wait_for 60 sim_up && kill -0 "$sim_pid" 2>/dev/null
			then
				return 0
			fi
			stop_tree "$sim_pid"
			sim_pid=
		fi
		base=$((base + $1 + 100))
	done
	die "ipmux-bmcsim did not start: $(cat "$tmp/sim.err" 2>/dev/null)"
}

# logs_ready N DIR SUFFIX: every console's log holds a numbered host line.
logs_ready() {
	kill -0 "$srv_pid" 2>/dev/null || return 0	# dead: stop waiting
	lr_n=$(grep -l '[0-9]\{8\} ' "$2"/*"$3" 2>/dev/null | wc -l)
	[ "$lr_n" -ge "$1" ]
}

daemon_active() {
	"$ipmux" -S "$tmp/ipmux.sock" list --json 2>/dev/null |
	    grep -o '"state" *: *"active"' | wc -l
}

daemon_ready() {
	kill -0 "$srv_pid" 2>/dev/null || return 0
	[ "$(daemon_active)" -ge "$1" ]
}

write_ipmux_conf() {	# N POLL(default|off)
	rm -rf "$tmp/log" "$tmp/state"
	mkdir "$tmp/log" "$tmp/state"
	{
		echo "ipmux = {"
		echo "	socket = \"$tmp/ipmux.sock\";"
		echo "	logdir = \"$tmp/log\";"
		echo "	statedir = \"$tmp/state\";"
		if [ "$2" = off ]; then
			echo "	sensor_poll = 0;"
			echo "	sel_poll = 0;"
		fi
		echo "};"
		echo "profiles = ("
		echo "	{ name = \"sim\"; user = \"bench\";" \
		    "password_file = \"$tmp/bmc.pw\"; }"
		echo ");"
		echo "consoles = ("
		awk -v n="$1" -v base="$base" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "\t{ name = \"node%d\"; host = \"127.0.0.1:%d\"; profile = \"sim\"; }%s\n",
				    i + 1, base + i, i < n - 1 ? "," : ""
		}'
		echo ");"
	} >"$tmp/ipmux.conf"
}

# measure LABEL N UP_S LOGS_S PIDS_CMD: settle, then one table row.
# PIDS_CMD prints the pids to sum (re-read: a peer may fork more).
measure() {
	label=$1 m_n=$2 up=$3 logs=$4 pids_cmd=$5
	sleep "$settle"		# steady state is what is measured: a fixed wait
	# shellcheck disable=SC2046
	set -- $($pids_cmd)
	rss=$(sum_status VmRSS "$@")
	pss=$(sum_pss "$@")
	thr=$(sum_status Threads "$@")
	fds=$(sum_fds "$@")
	procs=$#
	tk0=$(sum_ticks "$@")
	s0=$(sum_ticks "$sim_pid")
	l0=$(log_lines)
	w0=$(now)
	sleep "$window"
	tk1=$(sum_ticks "$@")
	s1=$(sum_ticks "$sim_pid")
	w=$(elapsed "$w0")
	l1=$(log_lines)
	awk -v l="$label" -v n="$m_n" -v up="$up" -v lg="$logs" -v rss="$rss" \
	    -v pss="$pss" -v pr="$procs" -v thr="$thr" -v fds="$fds" \
	    -v t="$((tk1 - tk0))" -v s="$((s1 - s0))" -v hz="$hz" -v w="$w" \
	    -v lines="$((l1 - l0))" \
	    'BEGIN {
		printf "%-23s %5d %6s %6s %9d %8.1f %9d %5d %4d %6d %6.1f %6.1f %5.1f %5.2f\n",
		    l, n, up, lg, rss, rss / n, pss, pr, thr, fds,
		    100 * t / hz / w, 100 * t / hz / w / n * 1000,
		    100 * s / hz / w, lines / w / n
	    }' | tee -a "$out"
}

ipmuxd_pids() { echo "$srv_pid"; }

run_ipmuxd() {	# N POLL
	start_sim "$1"
	write_ipmux_conf "$1" "$2"
	t0=$(now)
	"$ipmuxd" -c "$tmp/ipmux.conf" -F </dev/null \
	    >"$tmp/ipmuxd.log" 2>&1 &
	srv_pid=$!
	limit=$((60 + $1 / 20))
	if ! wait_for "$limit" daemon_ready "$1" ||
	    ! kill -0 "$srv_pid" 2>/dev/null; then
		echo "bench: ipmuxd N=$1: $(daemon_active) of $1 active" \
		    "after $limit s" >&2
		tail -n 20 "$tmp/ipmuxd.log" >&2
		up=-
	else
		up=$(elapsed "$t0")
	fi
	if [ "$up" != - ] && wait_for "$limit" logs_ready "$1" "$tmp/log" .log
	then
		logs=$(elapsed "$t0")
	else
		logs=-
	fi
	measure "ipmuxd poll=$2" "$1" "$up" "$logs" ipmuxd_pids
	a=$(daemon_active)
	[ "$a" -eq "$1" ] || echo "bench: ipmuxd N=$1: only $a of $1" \
	    "consoles active at the end of the window" | tee -a "$out" >&2
	stop_tree "$srv_pid"
	srv_pid=
	stop_tree "$sim_pid"
	sim_pid=
}

# Peers: installed on demand, run in the foreground under our control.
install_peers() {
	missing=
	command -v conserver >/dev/null 2>&1 || missing=" conserver-server"
	command -v conmand >/dev/null 2>&1 || missing="$missing conman"
	[ -n "$missing" ] || return 0
	echo "bench: installing$missing (apt-get)" >&2
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing \
	    >"$tmp/apt.log" 2>&1 || { tail "$tmp/apt.log" >&2; die "apt-get failed"; }
	# The packages start their system services: not ours to keep running.
	for s in conserver-server conman; do
		service "$s" stop >/dev/null 2>&1
	done
}

tree_pids() { echo "$srv_pid"; descendants "$srv_pid"; }

write_conserver_cf() {	# N
	rm -rf "$tmp/log"
	mkdir "$tmp/log"
	{
		echo "config * { }"
		echo "default full { rw *; }"
		echo "default * { logfile $tmp/log/&.log; timestamp \"\";"
		echo "	include full; master localhost; type exec; }"
		echo "access * { trusted 127.0.0.1; }"
		awk -v n="$1" -v base="$base" -v pw="$tmp/bmc.pw" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "console node%d { exec ipmitool -I lanplus -C 17 -H 127.0.0.1 -p %d -U bench -f %s sol activate; }\n",
				    i + 1, base + i, pw
		}'
	} >"$tmp/conserver.cf"
	echo '*any*:' >"$tmp/conserver.passwd"
}

run_conserver() {	# N
	start_sim "$1"
	write_conserver_cf "$1"
	t0=$(now)
	conserver -C "$tmp/conserver.cf" -P "$tmp/conserver.passwd" \
	    -p "$((base_port - 10))" -M 127.0.0.1 -n \
	    </dev/null >"$tmp/conserver.log" 2>&1 &
	srv_pid=$!
	if wait_for $((60 + $1 / 5)) logs_ready "$1" "$tmp/log" .log &&
	    kill -0 "$srv_pid" 2>/dev/null; then
		up=$(elapsed "$t0")
	else
		echo "bench: conserver N=$1: only $(grep -l '[0-9]\{8\} ' \
		    "$tmp"/log/*.log 2>/dev/null | wc -l) of $1 logs" >&2
		tail -n 20 "$tmp/conserver.log" >&2
		up=-
	fi
	measure "conserver+ipmitool" "$1" - "$up" tree_pids
	stop_tree "$srv_pid"
	srv_pid=
	stop_tree "$sim_pid"
	sim_pid=
}

write_conman_conf() {	# N
	rm -rf "$tmp/log"
	mkdir "$tmp/log"
	{
		echo "server logdir=\"$tmp/log\""
		echo "server pidfile=\"$tmp/conmand.pid\""
		echo "server port=$((base_port - 11))"
		echo "server resetcmd=\"true\""
		echo "global log=\"%N.log\""
		echo "global ipmiopts=\"U:bench,P:$(cat "$tmp/bmc.pw"),C:17,L:admin\""
		awk -v n="$1" -v base="$base" 'BEGIN {
			for (i = 0; i < n; i++)
				printf "console name=\"node%d\" dev=\"ipmi:127.0.0.1:%d\"\n",
				    i + 1, base + i
		}'
	} >"$tmp/conman.conf"
}

run_conman() {	# N
	start_sim "$1"
	write_conman_conf "$1"
	t0=$(now)
	conmand -F -c "$tmp/conman.conf" </dev/null \
	    >"$tmp/conmand.log" 2>&1 &
	srv_pid=$!
	if wait_for $((60 + $1 / 5)) logs_ready "$1" "$tmp/log" .log &&
	    kill -0 "$srv_pid" 2>/dev/null; then
		up=$(elapsed "$t0")
	else
		echo "bench: conmand N=$1: only $(grep -l '[0-9]\{8\} ' \
		    "$tmp"/log/*.log 2>/dev/null | wc -l) of $1 logs" >&2
		tail -n 20 "$tmp/conmand.log" >&2
		up=-
	fi
	measure "conman (libipmiconsole)" "$1" - "$up" tree_pids
	stop_tree "$srv_pid"
	srv_pid=
	stop_tree "$sim_pid"
	sim_pid=
}

{
	echo "ipmuxd daemon benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
	    "$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
	    "kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')," \
	    "1 host line (64 B) per second per console, settle ${settle} s," \
	    "CPU window ${window} s"
	echo "up/logs: s until all consoles active / all logs hold a host line;" \
	    "CPU% of one core; mCPU/c: CPU% per console x1000; sim%: the simulator's CPU%;"
	echo "lps/c: host lines logged per second per console in the window (1.00 expected)"
	printf '%-23s %5s %6s %6s %9s %8s %9s %5s %4s %6s %6s %6s %5s %5s\n' \
	    server N up_s logs_s RSS_KiB KiB/con PSS_KiB procs thr fds \
	    CPU% mCPU/c sim% lps/c
} | tee "$out"

for count in $counts; do
	for poll in default off; do
		run_ipmuxd "$count" "$poll"
	done
done
if [ "$peers" = 1 ]; then
	install_peers
	echo "peers: $(conserver -V 2>&1 | head -n 1);" \
	    "conman $(dpkg-query -W -f '${Version}' conman 2>/dev/null);" \
	    "ipmitool $(dpkg-query -W -f '${Version}' ipmitool 2>/dev/null)" |
	    tee -a "$out"
	for count in $peer_counts; do
		run_conserver "$count"
		run_conman "$count"
	done
fi
echo "raw: $out"
