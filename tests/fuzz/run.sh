#!/bin/sh
# NAME
#	run.sh - build and run libFuzzer targets for a while each
# SYNOPSIS
#	sh tests/fuzz/run.sh SECONDS TARGET...
# DESCRIPTION
#	TARGET is tests/fuzz/fuzz_NAME (or just fuzz_NAME). Each target is
#	built with "make build/fuzz/fuzz_NAME", then run for SECONDS on the
#	corpus directory build/fuzz/corpus-NAME, which is kept between runs
#	and seeded from files of the kind NAME parses (vigie.conf for
#	config, rules/vigie.rules for rules, the golden policy requests
#	for policy, a few corpus messages for mime). libFuzzer's output goes to
#	build/fuzz/NAME.log; an input that crashes, leaks or trips a
#	sanitizer is saved as build/fuzz/NAME-crash-* (or leak-*, timeout-*).
#	Exits 1 when any target failed to build or found a problem.

set -u

if [ $# -lt 2 ]; then
    echo "usage: $0 SECONDS TARGET..." >&2
    exit 2
fi
seconds=$1
shift
case $seconds in
    ''|*[!0-9]*) echo "$0: SECONDS must be a number: $seconds" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.." || exit 1

passed=0
failed=0
for target in "$@"; do
    prog=$(basename "$target")
    name=${prog#fuzz_}
    case $name in
        config) seeds=vigie.conf ;;
        rules)  seeds=rules/vigie.rules ;;
        policy) seeds=$(ls tests/policy/*.in) ;;
        mime)   seeds=$(ls ../shared/corpus/train/spam/* 2>/dev/null | head -n 20) ;;
        *)      seeds= ;;
    esac
    corpus=build/fuzz/corpus-$name
    log=build/fuzz/$name.log

    if ! make --no-print-directory "build/fuzz/$prog"; then
        echo "$prog: FAILED to build"
        failed=$((failed + 1))
        continue
    fi
    mkdir -p "$corpus"
    for seed in $seeds; do
        if [ -f "$seed" ]; then
            cp "$seed" "$corpus/seed-$(basename "$seed")"
        fi
    done
    echo "$prog: fuzzing for ${seconds}s (corpus $corpus, log $log)"
    if "build/fuzz/$prog" -max_total_time="$seconds" -timeout=10 \
            -artifact_prefix="build/fuzz/$name-" "$corpus" >"$log" 2>&1; then
        echo "$prog: ok, $(grep -o 'Done [0-9]* runs' "$log" | tail -n 1)"
        passed=$((passed + 1))
    else
        echo "$prog: FAILED, see $log; reproduce with: build/fuzz/$prog build/fuzz/$name-*"
        tail -n 30 "$log"
        failed=$((failed + 1))
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
