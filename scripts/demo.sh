#!/bin/sh
# demo.sh — ipmuxd serving a simulated fleet of 8 BMCs, no hardware needed.
# usage: sh scripts/demo.sh [BUILD_DIR]     (what `make demo` runs)
#
# In a temp dir: starts ipmux-bmcsim (8 simulated BMCs, each with a host
# that boots and offers a login), writes an ipmuxd configuration for them,
# starts ipmuxd, waits until every console is active, shows `ipmux list`,
# then (after Enter) attaches to node1 in the foreground.  Without a
# terminal on stdin (CI, a pipe) it instead waits for node1's login prompt
# to reach its log and prints the log's tail, so `make demo </dev/null` is
# a quick smoke test.  Everything started here is stopped and the temp dir
# removed on every exit path (IPMUX_DEMO_KEEP=1 keeps the dir).

set -u

build=${1:-build}
bmcsim=$build/bin/ipmux-bmcsim
ipmuxd=$build/bin/ipmuxd
ipmux=$build/bin/ipmux
count=8

die() {
	echo "demo: $*" >&2
	exit 1
}

for p in "$bmcsim" "$ipmuxd" "$ipmux"; do
	[ -x "$p" ] || die "$p is not built (run: make)"
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/ipmux-demo.XXXXXX") || die "mktemp failed"
sim_pid=
d_pid=
keep=

# stop PID: SIGTERM, up to 5 s to exit, then SIGKILL.
stop() {
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || return 0
	n=50
	while kill -0 "$1" 2>/dev/null && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	kill -9 "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

cleanup() {
	trap '' HUP INT TERM
	stop "$d_pid"
	stop "$sim_pid"
	[ -n "$keep" ] || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for SECONDS COMMAND...: poll every 0.1 s until COMMAND succeeds.
wait_for() {
	tries=$(($1 * 10))
	shift
	while ! "$@"; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

udp_port_busy() {
	hex=$(printf '%04X' "$1")
	grep -qi ":$hex " /proc/net/udp /proc/net/udp6 2>/dev/null
}

# A base port with count free UDP ports above it, all at most 32767.
random_base() {
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((20000 + n % (32768 - 20000 - count)))
}

ports_free() {
	i=0
	while [ "$i" -lt "$count" ]; do
		udp_port_busy $(($1 + i)) && return 1
		i=$((i + 1))
	done
	return 0
}

umask 077
printf '%s\n' demopass >"$dir/bmc.pw"
chmod 600 "$dir/bmc.pw"
mkdir "$dir/log" "$dir/state"

sim_up() {
	grep -q 'listening' "$dir/bmcsim.out" 2>/dev/null
}

sim_alive_or_up() {
	sim_up || ! kill -0 "$sim_pid" 2>/dev/null
}

# Another program may grab a port between the check and the bind: retry.
started=
for _ in 1 2 3 4 5; do
	base=$(random_base)
	ports_free "$base" || continue
	"$bmcsim" --count "$count" --port "$base" --user admin \
		--password-file "$dir/bmc.pw" --host-output bootlog \
		</dev/null >"$dir/bmcsim.out" 2>"$dir/bmcsim.log" &
	sim_pid=$!
	if wait_for 5 sim_alive_or_up && sim_up; then
		started=1
		break
	fi
	stop "$sim_pid"
	sim_pid=
done
[ -n "$started" ] || die "ipmux-bmcsim did not start: $(cat "$dir/bmcsim.log")"

conf=$dir/ipmux.conf
sock=$dir/ipmux.sock
{
	cat <<EOF
# Written by scripts/demo.sh: $count simulated BMCs from ipmux-bmcsim.
ipmux = {
	socket = "$sock";
	logdir = "$dir/log";
	statedir = "$dir/state";
	log_compress = "none";
	backoff_min = 200;
	backoff_max = 2000;
};
profiles = (
	{ name = "sim"; user = "admin"; password_file = "$dir/bmc.pw"; }
);
consoles = (
EOF
	i=0
	while [ "$i" -lt "$count" ]; do
		rack=$((i < count / 2 ? 1 : 2))
		sep=,
		[ "$i" -eq $((count - 1)) ] && sep=
		printf '\t{ name = "node%d"; host = "127.0.0.1:%d"; profile = "sim"; group = "rack%d"; }%s\n' \
			$((i + 1)) $((base + i)) "$rack" "$sep"
		i=$((i + 1))
	done
	echo ');'
} >"$conf"

"$ipmuxd" -c "$conf" -F </dev/null >"$dir/ipmuxd.log" 2>&1 &
d_pid=$!

all_active() {
	kill -0 "$d_pid" 2>/dev/null || return 0	# dead: stop waiting
	n=$("$ipmux" -S "$sock" list --json 2>/dev/null |
		grep -o '"state" *: *"active"' | wc -l)
	[ "$n" -eq "$count" ]
}

if ! wait_for 15 all_active || ! kill -0 "$d_pid" 2>/dev/null; then
	if kill -0 "$d_pid" 2>/dev/null; then
		echo "demo: the $count consoles did not all become active within 15 s" >&2
	else
		echo "demo: ipmuxd exited" >&2
	fi
	"$ipmux" -S "$sock" list >&2 2>/dev/null
	echo "demo: ipmuxd log (tail):" >&2
	tail -n 30 "$dir/ipmuxd.log" >&2
	exit 1
fi

echo "demo: ipmuxd is serving $count simulated BMCs (127.0.0.1:$base..$((base + count - 1)))"
"$ipmux" -S "$sock" list || die "ipmux list failed"

if [ ! -t 0 ]; then
	# No terminal: a smoke test.  The host's boot log (about 5 s) must
	# reach node1's log file through the BMC, the session and ipmuxd.
	echo "demo: stdin is not a terminal, not attaching"
	if ! wait_for 15 grep -q 'login: ' "$dir/log/node1.log"; then
		echo "demo: node1's host did not reach its login prompt within 15 s" >&2
		tail -n 20 "$dir/log/node1.log" >&2
		echo "demo: ipmuxd log (tail):" >&2
		tail -n 30 "$dir/ipmuxd.log" >&2
		exit 1
	fi
	echo "demo: node1's log (last 20 lines):"
	tail -n 20 "$dir/log/node1.log"
	echo
	echo "demo: ok"
	exit 0
fi

# The host's boot screens clear the terminal, so let the guidance be read
# first; the attach replays the scrollback, boot log included.
echo "demo: attaching to node1; type to talk to its host (the fake login takes any name and password); ^E c . detaches; logs are in $dir/log"
printf 'demo: press Enter to attach (Ctrl-C quits) '
read -r _ || exit 0
"$ipmux" -S "$sock" attach --replay 64K node1
rc=$?
echo
[ "$rc" -eq 0 ] || echo "demo: ipmux attach exited $rc" >&2
echo "demo: detached. node1's log ($dir/log/node1.log) ends with:"
"$ipmux" -S "$sock" log node1 2>&1 | tail -n 5
if [ -n "${IPMUX_DEMO_KEEP:-}" ]; then
	keep=1
	echo "demo: IPMUX_DEMO_KEEP is set: keeping $dir"
else
	echo "demo: stopping ipmuxd and the simulated BMCs, removing $dir (IPMUX_DEMO_KEEP=1 keeps it)"
fi
exit 0
