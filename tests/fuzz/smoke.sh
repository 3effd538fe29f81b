#!/bin/sh
# smoke.sh — run each libFuzzer target for a bounded time from its seeds; fail on any finding.
#
# usage: smoke.sh SECONDS BIN...
#
# Seeds for build/fuzz/NAME come from tests/fuzz/corpus/NAME/ (if present)
# and are copied to a scratch corpus, so the run never writes into the
# repository.  tests/fuzz/NAME.dict, if present, is passed as -dict.
# Crash, leak, timeout and OOM reproducers and the full log of each target
# land in DIR/artifacts/NAME/, DIR being the binary's directory
# (build/fuzz/artifacts/NAME/ by default).  Exit status: 0 when every target
# ran its time without a finding, 1 otherwise.
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 SECONDS BIN..." >&2
	[ $# -eq 1 ] && echo "smoke: no fuzz targets given" >&2
	exit 1
fi
secs=$1
shift
case $secs in
'' | *[!0-9]*) echo "smoke: SECONDS must be a number: $secs" >&2; exit 1 ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/ipmux-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# UBSan in the fuzz build is recoverable by default: make it fatal so that
# undefined behaviour counts as a finding, with a stack to go on.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS ASAN_OPTIONS

bad=""
ran=0
for bin in "$@"; do
	name=$(basename "$bin")
	arts="$(dirname "$bin")/artifacts/$name"
	log="$arts/fuzz.log"
	rm -rf "$arts"
	mkdir -p "$arts" "$work/$name"
	if [ ! -x "$bin" ]; then
		echo "fuzz $name: FAILED (no such executable: $bin)"
		bad="$bad $name"
		continue
	fi
	seeds="$here/corpus/$name"
	nseeds=0
	if [ -d "$seeds" ]; then
		cp -R "$seeds/." "$work/$name/"
		nseeds=$(find "$work/$name" -type f | wc -l)
	fi
	dict=""
	[ -f "$here/$name.dict" ] && dict="-dict=$here/$name.dict"

	# -timeout: one input running 10 s is a hang worth reporting.
	# shellcheck disable=SC2086  # $dict is empty or one word
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix="$arts/" $dict "$work/$name" >"$log" 2>&1
	rc=$?
	ran=$((ran + 1))

	found=$(find "$arts" -type f \( -name 'crash-*' -o -name 'leak-*' \
	    -o -name 'timeout-*' -o -name 'oom-*' \) | head -n 1)
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
	corp=$(sed -n 's/.*DONE .*corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -n 1)
	if [ $rc -eq 0 ] && [ -z "$found" ] && [ -n "$runs" ]; then
		echo "fuzz $name: ok, ${runs} runs in ${secs}s," \
		    "corpus ${nseeds} seeds -> ${corp:-?} inputs"
	else
		echo "fuzz $name: FAILED (exit $rc)${found:+, reproducer $found}"
		# The report starts at the sanitizer's or libFuzzer's
		# first complaint; the stack follows it.
		first=$(grep -n -m 1 -E 'ERROR:|runtime error:|deadly signal|ALARM:|out-of-memory' \
		    "$log" | cut -d: -f1)
		echo "---- $log${first:+ from line $first}"
		if [ -n "$first" ]; then
			tail -n "+$first" "$log" | head -n 50
		else
			tail -n 40 "$log"
		fi
		echo "----"
		bad="$bad $name"
	fi
done

if [ -n "$bad" ]; then
	echo "fuzz-smoke: $ran targets run, failing:$bad"
	exit 1
fi
echo "fuzz-smoke: $ran targets, no findings"
