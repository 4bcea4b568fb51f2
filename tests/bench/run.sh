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
#	BUILD_DIR/tests/bench/milter_load, one milter connection per message
#	as Postfix opens one per SMTP session, prints a table of messages/s
#	and latencies, then stops everything and removes the temp directory.
#	The figures are printed, never judged.
#
#	The daemon runs once per set of checks, on the same corpus:
#	    base   SPF, DKIM, DMARC, Bayes off  1 and 8 connections
#	    spf    SPF only                     1 connection
#	    dkim   DKIM verification only       1 connection
#	    dmarc  DMARC only                   1 connection
#	    bayes  Bayes only                   1 and 8 connections
#	    limits rate limits only             1 and 8 connections
#	    all    SPF, DKIM, DMARC and Bayes   1 and 8 connections
#	The limits run authenticates every message as one SASL user and
#	adds to the shipped rules three limits like the shipped ones
#	(messages over two windows, recipients, recipient domains), with
#	maxima that never bite, so that each message makes the full check
#	(one Redis round trip, the signals included); the shipped limits
#	leave that user out. Without redis-server, no limits run.
#	Bayes runs trained: vigiectl learns the training corpus into the
#	private Redis first (without redis-server, no bayes run).
#	The checks read local DNS data (dns_zone_file): an SPF record for the
#	sender's domain and the HELO name that lets the client (192.0.2.10)
#	pass, and the DKIM key of the signatures; the messages' own From
#	domains publish nothing, so DMARC looks for two records and finds
#	none. So that DKIM verification does its real work (body hash and
#	RSA), the corpus is first copied with a signature on each message,
#	made by opendkim-testmsg with a 2048-bit key from vigiectl
#	dkim-keygen (opendkim-testmsg signs rsa-sha1, which vigie verifies
#	and then reports as "policy", RFC 8301). Last, the cost of each check
#	per message: the mean time per message (1 / rate) and the median
#	latency at 1 connection, each against base.
#
#	Environment:
#	BENCH_CORPUS    a message file or a directory of them (default: the
#	                test corpus, shared/corpus/test beside the repository)
#	BENCH_MESSAGES  at least this many messages per run, in whole
#	                passes over the corpus (default 3000)
#	BENCH_TRAIN     what Bayes learns: a directory with spam/ and ham/
#	                (default: shared/corpus/train beside the repository)
#	BENCH_SOCKET    "unix" (default) or "inet" (a random loopback port)
#
#	Exit status: 0; 1 when the daemon does not start or dies, or when
#	messages got errors instead of verdicts; 2 for bad usage.

. "$(dirname "$0")/../common.sh"
set -u

[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
BUILD=$1
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
CORPUS=${BENCH_CORPUS:-$(dirname "$ROOT")/shared/corpus/test}
MIN_MESSAGES=${BENCH_MESSAGES:-3000}
TRAIN=${BENCH_TRAIN:-$(dirname "$ROOT")/shared/corpus/train}
SOCKET_KIND=${BENCH_SOCKET:-unix}
MILTER=$BUILD/vigie-milter
CTL=$BUILD/vigiectl
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

# stop_pid PID - TERM a process we started, KILL it after 5 s
stop_pid()
{
    kill "$1" 2>/dev/null || return 0
    _i=0
    while kill -0 "$1" 2>/dev/null && [ "$_i" -lt 50 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    kill -KILL "$1" 2>/dev/null
    return 0
}

# stop - end what this script started (by pid), remove the temp dir
# shellcheck disable=SC2317 # called by the EXIT trap
stop()
{
    for _pid in $MILTER_PID $REDIS_PID; do
        stop_pid "$_pid"
    done
    MILTER_PID=
    REDIS_PID=
    rm -rf "$TMP"
}
trap stop EXIT
trap 'exit 1' HUP INT TERM

# milter_up - the daemon is alive and its socket accepts connections
# shellcheck disable=SC2317 # called through wait_for
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

# sign_corpus - copy the corpus to $TMP/corpus with a DKIM signature on each message
#	Writes the key's record to $TMP/dkim.zone. Without opendkim-testmsg
#	the copy stays unsigned (DKIM then only finds no signature).
sign_corpus()
{
    mkdir -p "$TMP/corpus" "$TMP/key"
    "$CTL" dkim-keygen bench.example b1 -d "$TMP/key" >"$TMP/key/dns" \
        || die "vigiectl dkim-keygen failed"
    printf 'b1._domainkey.bench.example TXT %s\n' \
        "$(grep -v '^;' "$TMP/key/dns" | grep -o '"[^"]*"' | tr '\n' ' ')" >"$TMP/dkim.zone"
    SIGNED=0
    _n=0
    find "$CORPUS" -type f ! -name '.*' | sort >"$TMP/files"
    while read -r _f; do
        _n=$((_n + 1))
        _out=$TMP/corpus/$_n
        # An mbox "From " line is not a header: leave it out of the signature.
        if command -v opendkim-testmsg >/dev/null 2>&1 \
           && sed '1{/^From /d}' "$_f" \
              | opendkim-testmsg -d bench.example -s b1 -k "$TMP/key/b1.private" >"$_out" 2>/dev/null; then
            SIGNED=$((SIGNED + 1))
        else
            cp "$_f" "$_out"
        fi
    done <"$TMP/files"
}

# start_milter EXTRA - vigie.conf (the common lines, then EXTRA) and the daemon
start_milter()
{
    cat >"$TMP/vigie.conf" <<EOF
# written by tests/bench/run.sh
milter_socket = $LISTEN
policy_socket = unix:$TMP/policy.sock
user =
log_file = $TMP/vigie.log
rules_file = $RULES
local_domains = example.com
trusted_networks = 127.0.0.0/8, [::1]/128
authserv_id = mx.example.com
dns_zone_file = $TMP/bench.zone
$REDIS_LINE
$1
EOF
    : >"$TMP/milter.out"
    "$MILTER" -c "$TMP/vigie.conf" >"$TMP/milter.out" 2>&1 &
    MILTER_PID=$!
    wait_for 10 milter_up || die "vigie-milter did not open $LISTEN: $(cat "$TMP/milter.out")"
}

# stop_milter - stop the daemon (it must still be alive)
stop_milter()
{
    kill -0 "$MILTER_PID" 2>/dev/null \
        || die "vigie-milter died during the run: $(tail -5 "$TMP/milter.out")"
    stop_pid "$MILTER_PID"
    wait "$MILTER_PID" 2>/dev/null
    MILTER_PID=
}

# bench NAME CONC - one run: a table row, its verdicts, and NAME.CONC's figures
bench()
{
    # shellcheck disable=SC2086 # LOAD_OPTS: words
    LINE=$("$LOAD" -s "$LISTEN" -c "$2" -n "$PASSES" $LOAD_OPTS -q "$TMP/corpus" 2>"$TMP/load.err")
    RC=$?
    if [ -z "$LINE" ]; then
        cat "$TMP/load.err" >&2
        die "milter_load failed (exit $RC)"
    fi
    printf '%-6s %11s %9s %7s %10s %9s %9s %9s\n' "$1" "$2" "$(field messages "$LINE")" \
        "$(field errors "$LINE")" "$(field rate "$LINE")" "$(field p50_ms "$LINE")" \
        "$(field p99_ms "$LINE")" "$(field max_ms "$LINE")"
    {
        printf '%-6s %11s ' "$1" "$2"
        for V in accept continue reject tempfail quarantine discard addheader chgheader insheader; do
            printf ' %s %s' "$V" "$(field $V "$LINE")"
        done
        echo
    } >>"$TMP/verdicts"
    echo "$1 $2 $(field rate "$LINE") $(field p50_ms "$LINE")" >>"$TMP/figures"
    if [ "$RC" -ne 0 ]; then
        STATUS=1
        sed 's/^/    /' "$TMP/load.err" >&2
    fi
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
    wait_for 10 test -S "$TMP/redis.sock" || die "redis-server did not start: $(cat "$TMP/redis.log")"
    REDIS_LINE="redis_address = unix:$TMP/redis.sock"
fi

FILES=$(find "$CORPUS" -type f ! -name '.*' | wc -l)
[ "$FILES" -gt 0 ] || die "no message file under $CORPUS"
PASSES=$(((MIN_MESSAGES + FILES - 1) / FILES))
[ "$PASSES" -ge 1 ] || PASSES=1

sign_corpus
{
    echo "example.org TXT \"v=spf1 ip4:192.0.2.0/24 -all\""
    echo "client.example.org A 192.0.2.10"
    echo "client.example.org TXT \"v=spf1 a -all\""
    cat "$TMP/dkim.zone"
} >"$TMP/bench.zone"

OFF="spf_enable = no
dkim_verify = no
dmarc_enable = no
bayes_enable = no"

RUNS="base spf dkim dmarc all"
if [ -n "$REDIS_LINE" ] && [ -d "$TRAIN/spam" ] && [ -d "$TRAIN/ham" ]; then
    printf '%s\nlocal_domains = example.com\ntrusted_networks = 127.0.0.0/8\n' "$REDIS_LINE" \
        >"$TMP/learn.conf"
    "$CTL" learn -q -c "$TMP/learn.conf" spam "$TRAIN/spam" >"$TMP/learn.out" 2>&1 \
        && "$CTL" learn -q -c "$TMP/learn.conf" ham "$TRAIN/ham" >>"$TMP/learn.out" 2>&1 \
        || die "vigiectl learn failed: $(cat "$TMP/learn.out")"
    RUNS="base spf dkim dmarc bayes all"
fi
# The limits run's user is in unlimited_users of the shipped rules: only
# the limits below count it.
LIMITS_USER=monitor@example.invalid
if [ -n "$REDIS_LINE" ]; then
    RUNS=$(echo "$RUNS" | sed 's/ all$/ limits all/')
    {
        cat "$ROOT/rules/vigie.rules"
        printf 'limit bench_messages\n    key sasl_user\n    max 100M per 10m, 1G per 1d\n'
        printf 'limit bench_recipients\n    key sasl_user\n    count recipients\n    max 100M per 1h\n'
        printf 'limit bench_domains\n    key sasl_user\n    count domains\n    max 100k per 1h\n'
    } >"$TMP/limits.rules"
fi

echo "vigie-milter benchmark: $FILES messages in $CORPUS ($SIGNED DKIM-signed), $PASSES passes per run"
echo "socket $LISTEN, one milter connection per message, client 192.0.2.10 to user@example.com"
case $RUNS in
    *bayes*) echo "Bayes trained on $TRAIN: $(tail -n 1 "$TMP/learn.out" | sed 's/.*; now //')" ;;
    *) echo "no Bayes run (no redis-server, or no training corpus at $TRAIN)" ;;
esac
echo
printf '%-6s %11s %9s %7s %10s %9s %9s %9s\n' checks connections messages errors msgs/s \
    "p50 ms" "p99 ms" "max ms"

STATUS=0
: >"$TMP/figures"
for RUN in $RUNS; do
    RULES=$ROOT/rules/vigie.rules
    LOAD_OPTS=
    case $RUN in
        base) start_milter "$OFF" ;;
        spf) start_milter "$(echo "$OFF" | sed 's/^spf_enable = no/spf_enable = yes/')" ;;
        dkim) start_milter "$(echo "$OFF" | sed 's/^dkim_verify = no/dkim_verify = yes/')" ;;
        dmarc) start_milter "$(echo "$OFF" | sed 's/^dmarc_enable = no/dmarc_enable = yes/')" ;;
        bayes) start_milter "$(echo "$OFF" | sed 's/^bayes_enable = no/bayes_enable = yes/')" ;;
        limits)
            RULES=$TMP/limits.rules
            LOAD_OPTS="-a $LIMITS_USER"
            start_milter "$OFF"
            ;;
        all) start_milter "" ;;
    esac
    bench "$RUN" 1
    case $RUN in
        base | bayes | limits | all) bench "$RUN" 8 ;;
    esac
    stop_milter
done
echo
echo "connections: verdicts and header edits"
cat "$TMP/verdicts"
echo
echo "cost of the checks per message, at 1 connection, against base:"
awk '$2 == 1 { rate[$1] = $3; p50[$1] = $4 }
     END {
         if (rate["base"] <= 0) exit
         n = split("spf dkim dmarc bayes limits all", run, " ")
         for (i = 1; i <= n; i++) {
             r = run[i]
             if (rate[r] <= 0) continue
             printf "  %-6s %+8.3f ms mean (1/rate)  %+8.3f ms median latency\n", r,
                    1000 / rate[r] - 1000 / rate["base"], p50[r] - p50["base"]
         }
     }' "$TMP/figures"
if [ "$STATUS" -ne 0 ]; then
    echo "bench: some messages got errors instead of verdicts; the daemon's last log lines:" >&2
    tail -5 "$TMP/vigie.log" "$TMP/milter.out" >&2 2>/dev/null
fi
exit $STATUS
