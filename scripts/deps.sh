#!/bin/sh
# deps.sh — install every Debian package ipmux needs to build and test, only those missing.
#
# Idempotent: asks dpkg which packages are absent and runs apt-get only if
# some are.  As root it runs apt-get directly; otherwise through sudo when
# sudo exists, else it stops and prints the command to run.
set -eu

# One package a line; everything after '#' is the reason it is here.
packages=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' <<'EOF'
build-essential		# cc, make, libc headers
pkg-config		# the Makefile asks it for library flags
clang			# libFuzzer targets (make fuzz, fuzz-smoke)
libclang-rt-14-dev	# clang 14's libFuzzer, ASan and UBSan runtimes
libssl-dev		# OpenSSL EVP: HMAC-SHA1/SHA256, AES-CBC-128, RAND
libevent-dev		# the event loop of ipmux-solcat, the daemon, integ tests
check			# unit and integration test framework
libconfig-dev		# daemon configuration file (planned)
libssh-dev		# SSH front end (planned)
libncurses-dev		# TUI (planned)
libvterm-dev		# terminal emulation for the TUI's console view (planned)
libbsd-dev		# strlcpy, readpassphrase and friends where glibc lacks them
libzstd-dev		# compressed console logs (planned)
zlib1g-dev		# gzip console logs (planned)
libjson-c-dev		# JSON status/control output (planned)
openipmi		# ipmi_sim: the simulated BMC for integration tests and demo
ipmitool		# peer client for interop tests
freeipmi-tools		# ipmiconsole: peer client for interop tests
openssh-client		# ssh, to drive the SSH front end in tests (planned)
tmux			# drives interactive programs in end-to-end tests
procps			# ps, pgrep -P: process checks in tests
iproute2		# ss: port checks in tests
bsdutils		# script(1): a pty for tests (essential, listed for clarity)
shellcheck		# lint for the project's shell scripts
EOF
)

missing=""
count=0
for p in $packages; do
	count=$((count + 1))
	# "ii " = installed and configured; anything else (or an error: never
	# heard of it) means apt-get has work to do.
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
	case $st in
	ii*) ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	echo "deps: all $count packages present"
	exit 0
fi

echo "deps: installing:$missing"

if [ "$(id -u)" -eq 0 ]; then
	as_root=""
elif command -v sudo >/dev/null 2>&1; then
	as_root="sudo"
else
	echo "deps: not root and no sudo; as root run:" >&2
	echo "  apt-get update && DEBIAN_FRONTEND=noninteractive" \
	    "apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi

# shellcheck disable=SC2086  # $as_root may be empty; $missing is a word list
$as_root apt-get update
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y --no-install-recommends $missing
echo "deps: done"
