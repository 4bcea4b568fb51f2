#!/bin/sh
# NAME
#	ratelimit.sh - checks/s and latency of the rate-limit check alone
# SYNOPSIS
#	sh tests/bench/ratelimit.sh BUILD_DIR
# DESCRIPTION
#	Starts a private redis-server on a random loopback TCP port (files
#	in a temp directory, no persistence), then runs
#	BUILD_DIR/tests/bench/ratelimit_bench: one rules_limits_check() a
#	message, as vigie-milter does at end of data, first with the
#	limits of the shipped rules/vigie.rules, then with the driver's
#	built-in set of three limits of two windows each, at 1 and 4
#	threads. Prints a table of checks/s and latencies (the target is
#	under 0.3 ms at p99 on loopback), then stops Redis and removes the
#	temp directory. The figures are printed, never judged.
#
#	Environment: BENCH_CHECKS checks per run (default 20000).
#
#	Exit status: 0; 1 when Redis does not start or a check failed; 2
#	for bad usage.

. "$(dirname "$0")/../common.sh"
set -u

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BENCH=$BUILD/tests/bench/ratelimit_bench
CHECKS=${BENCH_CHECKS:-20000}

die()
{
    echo "ratelimit bench: $*" >&2
    exit 1
}

[ -x "$BENCH" ] || die "no $BENCH (make $BENCH)"
command -v redis-server >/dev/null 2>&1 || die "redis-server is not installed"
case $CHECKS in
    '' | *[!0-9]*) die "BENCH_CHECKS=$CHECKS: expected a number" ;;
esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigie-rlbench.XXXXXX") || die "cannot create a temp directory"
REDIS_PID=

# stop - end the Redis this script started, remove the temp dir
# shellcheck disable=SC2317 # called by the EXIT trap
stop()
{
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
    fi
    REDIS_PID=
    rm -rf "$TMP"
}
trap stop EXIT
trap 'exit 1' HUP INT TERM

PORT=$(free_port)
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$TMP" \
    --logfile "$TMP/redis.log" >/dev/null 2>&1 &
REDIS_PID=$!
i=0
until redis-cli -p "$PORT" ping >/dev/null 2>&1; do
    i=$((i + 1))
    [ $i -ge 100 ] && die "redis-server did not start: $(cat "$TMP/redis.log")"
    sleep 0.1
done

echo "rate-limit check benchmark: $CHECKS checks per run, Redis 127.0.0.1:$PORT (TCP loopback)"
echo "1000 SASL users, 3 recipients in 2 domains a message; the over column counts refusals"
echo
printf '%-8s %7s %9s %9s %9s %9s %9s %9s %9s\n' limits threads checks errors over \
    checks/s "p50 ms" "p99 ms" "max ms"
STATUS=0
for SET in shipped builtin; do
    RULES=
    [ "$SET" = shipped ] && RULES="-f $ROOT/rules/vigie.rules"
    for THREADS in 1 4; do
        redis-cli -p "$PORT" flushall >/dev/null
        # shellcheck disable=SC2086 # RULES is empty or two words
        LINE=$("$BENCH" -r "127.0.0.1:$PORT" -n "$CHECKS" -t "$THREADS" $RULES 2>"$TMP/err") \
            || { STATUS=1; cat "$TMP/err" >&2; }
        printf '%-8s %7s' "$SET" "$THREADS"
        for F in checks errors over rate p50_ms p99_ms max_ms; do
            printf ' %9s' "$(echo "$LINE" | tr ' ' '\n' | sed -n "s/^$F=//p")"
        done
        echo
    done
done
exit $STATUS
