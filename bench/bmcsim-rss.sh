#!/bin/sh
# bmcsim-rss.sh — start ipmux-bmcsim fleets (10,000 and 1,000 BMCs), report resident memory per BMC.
#
# usage: bench/bmcsim-rss.sh [BUILD_DIR] [COUNT...]   (default: build 10000 1000)
# Needs a file-descriptor hard limit above COUNT (ipmux-bmcsim raises its
# soft limit itself) and COUNT free UDP ports from BASE_PORT (20000).
set -eu

build=${1:-build}
[ $# -gt 0 ] && shift
counts=${*:-10000 1000}
base=${BASE_PORT:-20000}
bin=$build/bin/ipmux-bmcsim
[ -x "$bin" ] || { echo "$bin not built (make)" >&2; exit 1; }

tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
umask 077
printf 'benchpass' >"$tmp/pw"

# Are count UDP ports from base free? (ss lists the bound ones.)
ports_free() {
	ss -Hlun 2>/dev/null | awk -v lo="$1" -v hi="$(($1 + $2 - 1))" '
	    { n = split($4, a, ":"); p = a[n] + 0; if (p >= lo && p <= hi) busy++ }
	    END { exit busy ? 1 : 0 }'
}

# Wait (at most 120 s) for the listening line; no fixed sleeps.
wait_listening() {
	i=0
	while ! grep -q 'BMCs listening on' "$tmp/out" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || { cat "$tmp/err" >&2; return 1; }
		i=$((i + 1))
		[ $i -gt 1200 ] && { echo "no listening line" >&2; return 1; }
		sleep 0.1
	done
}

kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$pid/status"; }

echo "ipmux-bmcsim resident memory ($(nproc) cores, $(uname -r))"
printf '%8s %12s %12s %14s %12s\n' BMCs VmRSS_KiB VmHWM_KiB KiB_per_BMC start_s
for n in $counts; do
	if ! ports_free "$base" "$n"; then
		echo "UDP ports $base..$((base + n - 1)) are not all free" >&2
		exit 1
	fi
	t0=$(date +%s.%N)
	"$bin" --count "$n" --port "$base" --user bench \
	    --password-file "$tmp/pw" --host-output silent \
	    >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	wait_listening
	t1=$(date +%s.%N)
	rss=$(kib VmRSS)
	hwm=$(kib VmHWM)
	printf '%8s %12s %12s %14s %12s\n' "$n" "$rss" "$hwm" \
	    "$(awk -v r="$rss" -v n="$n" 'BEGIN { printf "%.2f", r / n }')" \
	    "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')"
	kill "$pid"
	wait "$pid" || { echo "ipmux-bmcsim exit $? on SIGTERM" >&2; exit 1; }
	pid=
done
