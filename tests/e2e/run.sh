#!/bin/sh
# NAME
#	run.sh - run vigie's end-to-end tests
# SYNOPSIS
#	sh tests/e2e/run.sh [BUILD_DIR [TEST_NAME...]]
# DESCRIPTION
#	Runs every tests/e2e/t_*.sh (or only the named ones, e.g.
#	t_relay) one after the other against the programs in BUILD_DIR
#	(default: build). A passing test prints one line; a failing one
#	has its whole output shown. The last line is "e2e: N passed, N
#	failed"; the exit status is 1 when any test failed.
#
#	Each test starts its own private Redis, smtp-sink, Postfix and
#	vigie-milter (see lib.sh), so this needs root and the packages
#	installed by contrib/bootstrap.sh, but no network.

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build}
[ $# -gt 0 ] && shift
VIGIE_BUILD=$(cd "$build" 2>/dev/null && pwd) || {
    echo "e2e: no build directory $build (make all)"
    echo "e2e: 0 passed, 1 failed"
    exit 1
}
export VIGIE_BUILD

if [ $# -gt 0 ]; then
    tests=""
    for name in "$@"; do
        tests="$tests $here/${name%.sh}.sh"
    done
else
    tests=$(ls "$here"/t_*.sh)
fi

passed=0
failed=0
out=$(mktemp "${TMPDIR:-/tmp}/vigie-e2e-run.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT

for t in $tests; do
    name=$(basename "$t" .sh)
    start=$(date +%s)
    if sh "$t" >"$out" 2>&1; then
        passed=$((passed + 1))
        echo "PASS $name ($(($(date +%s) - start)) s)"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        sed 's/^/    /' "$out"
    fi
done

echo "e2e: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
