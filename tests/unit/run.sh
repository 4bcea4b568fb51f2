#!/bin/sh
# NAME
#	run.sh - run cmocka unit test programs and sum their results
# SYNOPSIS
#	sh tests/unit/run.sh TEST_PROGRAM...
# DESCRIPTION
#	Runs each program in turn, showing its output, then prints one
#	last line "unit: N passed, N failed" with the sums of cmocka's
#	"[  PASSED  ]" and "[  FAILED  ]" counts. A program that exits
#	non-zero without reporting a failed test (a crash, a sanitizer
#	report, a missing binary) counts as one failed test. Exits 1 when
#	anything failed, 0 otherwise.

passed=0
failed=0
out=$(mktemp "${TMPDIR:-/tmp}/vigie-unit.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT

for prog in "$@"; do
    echo "== $prog"
    if [ -x "$prog" ]; then
        "$prog" >"$out" 2>&1
        status=$?
    else
        echo "no such test program: $prog" >"$out"
        status=127
    fi
    cat "$out"
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | awk '{ s += $1 } END { print s + 0 }')
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "$prog: exit status $status without a cmocka failure report: counted as one failure"
        f=1
    fi
    passed=$((passed + p))
    failed=$((failed + f))
done

echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
