#!/bin/sh
# run-tests.sh — run Check test binaries, keep going past failures, print one total line.
# usage: run-tests.sh BUILD_DIR BIN...
build=$1; shift
passed=0; failed=0; bad_bins=""
log_dir="$build/test-logs"
mkdir -p "$log_dir"
for bin in "$@"; do
	name=$(basename "$bin")
	echo "== $name"
	out="$log_dir/$name.log"
	"$bin" >"$out" 2>&1
	rc=$?
	cat "$out"
	# Check's summary: "NN%: Checks: C, Failures: F, Errors: E"
	line=$(grep -E '^[0-9]+%: Checks: [0-9]+' "$out" | tail -n 1)
	if [ -n "$line" ]; then
		c=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
		f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
		e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
		passed=$((passed + c - f - e)); failed=$((failed + f + e))
	else
		failed=$((failed + 1))
	fi
	if [ $rc -ne 0 ] || [ -z "$line" ]; then
		bad_bins="$bad_bins $name"
		[ -z "$line" ] && [ $rc -ne 0 ] && echo "$name: exited $rc without a Check summary"
	fi
done
[ -n "$bad_bins" ] && echo "failing test binaries:$bad_bins"
echo "tests: $passed passed, $failed failed"
[ -z "$bad_bins" ] && [ $failed -eq 0 ]
