#!/bin/sh
# demo.sh — a live SOL console from a simulated BMC (ipmi_sim + hostsim), no hardware needed.
# usage: sh scripts/demo.sh [BUILD_DIR]     (what `make demo` runs)
#
# Starts hostsim (a fake host: boot log, login prompt, echo) and OpenIPMI's
# ipmi_sim with its SOL port wired to hostsim, both on free loopback ports
# in a temp dir, then runs ipmux-solcat against the simulated BMC in the
# foreground. Everything is stopped and removed when the console ends.

set -u

build=${1:-build}
solcat=$build/bin/ipmux-solcat
hostsim=$build/tests/tools/hostsim

die() {
	echo "demo: $*" >&2
	exit 1
}

[ -x "$solcat" ] || die "$solcat is not built (run: make)"
[ -x "$hostsim" ] || die "$hostsim is not built (run: make)"
command -v ipmi_sim >/dev/null 2>&1 ||
	die "ipmi_sim not found (run: make deps, or apt-get install openipmi)"

dir=$(mktemp -d "${TMPDIR:-/tmp}/ipmux-demo.XXXXXX") || die "mktemp failed"
hs_pid=
sim_pid=

cleanup() {
	[ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null
	[ -n "$hs_pid" ] && kill "$hs_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$dir"
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

random_port() {
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((20000 + n % 12000))
}

# The host: listens first, because ipmi_sim connects to it at startup
# and would otherwise retry only every 10 s.
"$hostsim" --mode bootlog --prompt-interval 2 --line-delay-ms 60 \
	--port 0 --port-file "$dir/host.port" --events "$dir/host.events" \
	>"$dir/hostsim.log" 2>&1 &
hs_pid=$!
wait_for 5 test -s "$dir/host.port" || die "hostsim did not start (see $dir)"
host_port=$(cat "$dir/host.port")

connects() {
	n=$(grep -c ' connect ' "$dir/host.events" 2>/dev/null)
	echo "${n:-0}"
}

connected_since() {
	[ "$(connects)" -gt "$1" ]
}

start_bmc() {
	cat >"$dir/lan.conf" <<EOF
name "ipmuxdemo"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $bmc_port
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  sol "tcp:127.0.0.1:$host_port" 115200
  user 2 true "ipmiusr" "test" admin 10 none md2 md5 straight
EOF
	cat >"$dir/bmc.emu" <<EOF
mc_setbmc 0x20
mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02
mc_enable 0x20
EOF
	mkdir -p "$dir/bmc-state"
	before=$(connects)
	ipmi_sim -c "$dir/lan.conf" -f "$dir/bmc.emu" -s "$dir/bmc-state" -n \
		</dev/null >"$dir/bmc.log" 2>&1 &
	sim_pid=$!
	# up once its SOL side has connected to the host
	wait_for 5 connected_since "$before" && kill -0 "$sim_pid" 2>/dev/null
}

# A free UDP port for the BMC; another program may grab it first, so try
# a few.
started=
for attempt in 1 2 3 4 5; do
	bmc_port=$(random_port)
	udp_port_busy "$bmc_port" && continue
	if start_bmc; then
		started=1
		break
	fi
	kill "$sim_pid" 2>/dev/null
	wait "$sim_pid" 2>/dev/null
	sim_pid=
done
[ -n "$started" ] || die "ipmi_sim did not start: $(cat "$dir/bmc.log")"

umask 077
printf '%s' test >"$dir/password"
chmod 600 "$dir/password"

echo "demo: simulated BMC on 127.0.0.1:$bmc_port (user ipmiusr); press a key to boot the host, type Ctrl-E c . (^E c .) to quit."
"$solcat" -H "127.0.0.1:$bmc_port" -U ipmiusr -C 3 -f "$dir/password"
exit $?
