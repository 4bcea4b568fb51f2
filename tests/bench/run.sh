#!/bin/sh
# NAME
#	run.sh - throughput and latency of vigie-milter on the test corpus
# SYNOPSIS
#	sh tests/bench/run.sh BUILD_DIR
# DESCRIPTION
#	Starts BUILD_DIR/vigie-milter on a private configuration in a temp
#	directory (socket, log, Redis when redis-server is installed; the
#	shipped rules/vigie.rules; local_domains and trusted_networks set so
#	that Postfix is not asked), replays the corpus with
#	BUILD_DIR/tests/bench/milter_load at 1 then 8 concurrent
#	connections, one milter connection per message as Postfix opens one
#	per SMTP session, prints a table of messages/s and latencies, then
#	stops everything and removes the temp directory. The figures are
#	printed, never judged.
#
#	Environment:
#	BENCH_CORPUS    a message file or a directory of them (default: the
#	                test corpus, shared/corpus/test beside the repository)
#	BENCH_MESSAGES  at least this many messages per run, in whole
#	                passes over the corpus (default 3000)
#	BENCH_SOCKET    "unix" (default) or "inet" (a random loopback port)
#
#	Exit status: 0; 1 when the daemon does not start or dies, or when
#	messages got errors instead of verdicts; 2 for bad usage.

set -u

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${BENCH_CORPUS:-$(dirname "$ROOT")/shared/corpus/test}
MIN_MESSAGES=${BENCH_MESSAGES:-3000}
SOCKET_KIND=${BENCH_SOCKET:-unix}
MILTER=$BUILD/vigie-milter
LOAD=$BUILD/tests/bench/milter_load

die()
{
    echo "bench: $*" >&2
    exit 1
}

[ -x "$MILTER" ] || die "no $MILTER (make all)"
[ -x "$LOAD" ] || die "no $LOAD (make $LOAD)"
[ -e "$CORPUS" ] || die "no corpus at $CORPUS (set BENCH_CORPUS)"
case $MIN_MESSAGES in
    '' | *[!0-9]*) die "BENCH_MESSAGES=$MIN_MESSAGES: expected a number" ;;
esac

TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigie-bench.XXXXXX") || die "cannot create a temp directory"
MILTER_PID=
REDIS_PID=

# stop - end what this script started (by pid), remove the temp dir
# shellcheck disable=SC2317 # called by the EXIT trap
stop()
{
    for _pid in $MILTER_PID $REDIS_PID; do
        kill "$_pid" 2>/dev/null || continue
        _i=0
        while kill -0 "$_pid" 2>/dev/null && [ "$_i" -lt 50 ]; do
            sleep 0.1
            _i=$((_i + 1))
        done
        kill -KILL "$_pid" 2>/dev/null
    done
    MILTER_PID=
    REDIS_PID=
    rm -rf "$TMP"
}
trap stop EXIT
trap 'exit 1' HUP INT TERM

# wait_until SECONDS COMMAND... - poll COMMAND every 0.1 s; false on timeout
wait_until()
{
    _limit=$(($1 * 10))
    shift
    _i=0
    until "$@"; do
        _i=$((_i + 1))
        [ $_i -ge $_limit ] && return 1
        sleep 0.1
    done
}

# free_port - print a random TCP port in 20000-59999 that nothing listens on
free_port()
{
    while :; do
        _p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
        [ -z "$(ss -Htln "sport = :$_p" 2>/dev/null)" ] && { echo "$_p"; return; }
    done
}

# milter_up - the daemon is alive and its socket accepts connections
# shellcheck disable=SC2317 # called through wait_until
milter_up()
{
    kill -0 "$MILTER_PID" 2>/dev/null || die "vigie-milter exited: $(cat "$TMP/milter.out")"
    case $SOCKET_KIND in
        unix) [ -S "$TMP/milter.sock" ] ;;
        inet) [ -n "$(ss -Htln "sport = :$PORT" 2>/dev/null)" ] ;;
    esac
}

# field NAME LINE - the value of NAME=value in a milter_load -q line
field()
{
    echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

case $SOCKET_KIND in
    unix)
        LISTEN=unix:$TMP/milter.sock
        ;;
    inet)
        PORT=$(free_port)
        LISTEN=inet:$PORT@127.0.0.1
        ;;
    *)
        die "BENCH_SOCKET=$SOCKET_KIND: expected unix or inet"
        ;;
esac

REDIS_LINE=
if command -v redis-server >/dev/null 2>&1; then
    redis-server --port 0 --unixsocket "$TMP/redis.sock" --save '' --appendonly no \
        --dir "$TMP" --logfile "$TMP/redis.log" >/dev/null 2>&1 &
    REDIS_PID=$!
    wait_until 10 test -S "$TMP/redis.sock" || die "redis-server did not start: $(cat "$TMP/redis.log")"
    REDIS_LINE="redis_address = unix:$TMP/redis.sock"
fi

cat >"$TMP/vigie.conf" <<EOF
# written by tests/bench/run.sh
milter_socket = $LISTEN
policy_socket = unix:$TMP/policy.sock
user =
log_file = $TMP/vigie.log
rules_file = $ROOT/rules/vigie.rules
local_domains = example.com
trusted_networks = 127.0.0.0/8, [::1]/128
authserv_id = mx.example.com
$REDIS_LINE
EOF

"$MILTER" -c "$TMP/vigie.conf" >"$TMP/milter.out" 2>&1 &
MILTER_PID=$!
wait_until 10 milter_up || die "vigie-milter did not open $LISTEN: $(cat "$TMP/milter.out")"

FILES=$(find "$CORPUS" -type f ! -name '.*' | wc -l)
[ "$FILES" -gt 0 ] || die "no message file under $CORPUS"
PASSES=$(((MIN_MESSAGES + FILES - 1) / FILES))
[ "$PASSES" -ge 1 ] || PASSES=1

echo "vigie-milter benchmark: $FILES messages in $CORPUS, $PASSES passes per run"
echo "socket $LISTEN, one milter connection per message, client 192.0.2.10 to user@example.com"
echo
printf '%11s %9s %7s %10s %9s %9s %9s\n' connections messages errors msgs/s "p50 ms" "p99 ms" "max ms"

STATUS=0
for CONC in 1 8; do
    LINE=$("$LOAD" -s "$LISTEN" -c "$CONC" -n "$PASSES" -q "$CORPUS" 2>"$TMP/load.err")
    RC=$?
    if [ -z "$LINE" ]; then
        cat "$TMP/load.err" >&2
        die "milter_load failed (exit $RC)"
    fi
    printf '%11s %9s %7s %10s %9s %9s %9s\n' "$CONC" "$(field messages "$LINE")" \
        "$(field errors "$LINE")" "$(field rate "$LINE")" "$(field p50_ms "$LINE")" \
        "$(field p99_ms "$LINE")" "$(field max_ms "$LINE")"
    {
        printf '%11s ' "$CONC"
        for V in accept continue reject tempfail quarantine discard addheader chgheader insheader; do
            printf ' %s %s' "$V" "$(field $V "$LINE")"
        done
        echo
    } >>"$TMP/verdicts"
    if [ "$RC" -ne 0 ]; then
        STATUS=1
        sed 's/^/    /' "$TMP/load.err" >&2
    fi
    kill -0 "$MILTER_PID" 2>/dev/null || die "vigie-milter died during the run: $(tail -5 "$TMP/milter.out")"
done
echo
echo "connections: verdicts and header edits"
cat "$TMP/verdicts"
if [ "$STATUS" -ne 0 ]; then
    echo "bench: some messages got errors instead of verdicts; the daemon's last log lines:" >&2
    tail -5 "$TMP/vigie.log" "$TMP/milter.out" >&2 2>/dev/null
fi
exit $STATUS
