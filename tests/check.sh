#!/bin/sh
# NAME
#	check.sh - run every test suite and add up their results
# SYNOPSIS
#	sh tests/check.sh BUILD_DIR SUITE...
# DESCRIPTION
#	Runs "make SUITE" for each SUITE in turn (all of them, even after a
#	failure, so that one run shows every problem), showing each one's
#	output as it comes and keeping it in BUILD_DIR/check-SUITE.log.
#	Every suite's runner ends with a line "NAME: N passed, N failed";
#	the last line printed here is their sum, "check: N passed, N
#	failed". Exits 1 when any suite failed.

set -u
build=$1
shift
mkdir -p "$build"
status=0
passed=0
failed=0
for suite in "$@"; do
    log=$build/check-$suite.log
    { make --no-print-directory "$suite" 2>&1; echo $? >"$log.rc"; } | tee "$log"
    if [ "$(cat "$log.rc")" != 0 ]; then
        status=1
        echo "check: make $suite FAILED"
    fi
    counts=$(sed -n 's/^[a-z0-9-]*: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$log" | tail -n 1)
    if [ -n "$counts" ]; then
        passed=$((passed + ${counts% *}))
        failed=$((failed + ${counts#* }))
    fi
done
echo "check: $passed passed, $failed failed"
exit $status
