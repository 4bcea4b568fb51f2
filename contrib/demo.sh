#!/bin/sh
# NAME
#	demo.sh - watch vigie at work on a private Postfix
# SYNOPSIS
#	sh contrib/demo.sh [BUILD_DIR]		(make demo)
#	KEEP=1 sh contrib/demo.sh [BUILD_DIR]
# DESCRIPTION
#	Starts, in a temp dir and on random ports of 127.0.0.1, a Redis,
#	an smtp-sink standing for the rest of the Internet, vigie-milter
#	and a Postfix that uses it, with the test harness
#	(tests/e2e/lib.sh). vigie runs the shipped vigie.conf and
#	rules/vigie.rules; the generated config overrides only what ties
#	it to this private setup: sockets, pid and log files, Redis
#	address, user (root), local domain and trusted networks.
#
#	Four messages are sent: a clean one from outside to a local
#	user, an open-relay attempt, and two that the shipped rules score
#	as spam (one tagged, one rejected). For each, it prints the SMTP
#	reply, the Subject, X-Spam-* and Authentication-Results headers of
#	the copy that was delivered, and vigie's log lines. Then
#	everything is stopped and removed, unless KEEP=1: then it is left
#	running and the command that stops it is printed.
#
#	Needs root and the packages of contrib/bootstrap.sh; no network.

src=$(cd "$(dirname "$0")/.." && pwd)
VIGIE_BUILD=$(cd "${1:-$src/build}" && pwd) || exit 1
export VIGIE_BUILD
E2E_DIR=$src/tests/e2e
. "$E2E_DIR/lib.sh"

# demo_send - send one message and show what became of it
#	$1: a title; the rest: send_mail options.
demo_send()
{
    _title=$1
    shift
    _before=$(log_lines)
    echo
    echo "=== $_title"
    send_mail "$@" >/dev/null
    echo "SMTP reply:   $E2E_REPLY"
    wait_for "$E2E_TIMEOUT" queue_settled
    if delivered_headers >"$E2E_TMP/headers"; then
        echo "delivered with:"
        grep -E '^(Authentication-Results|X-Spam-[A-Za-z]+|Subject):' "$E2E_TMP/headers" | sed 's/^/    /'
    elif [ "$(queue_count hold)" -gt "$_held" ]; then
        echo "not delivered: held in Postfix's hold queue (postqueue -p shows it)"
    else
        echo "not delivered"
    fi
    _held=$(queue_count hold)
    echo "vigie's log:"
    tail -n +"$((_before + 1))" "$MILTER_LOG" | sed 's/^/    /'
}

e2e_begin "vigie demo: a private Postfix with vigie-milter and the shipped rules"
E2E_CONF_BASE=$src/vigie.conf
start_redis
start_sink
start_milter rules_file="$src/rules/vigie.rules"
start_postfix
_held=0

echo
echo "Postfix here is an open relay on purpose: whatever is refused below, vigie refused."
echo "A foreign client is simulated with XCLIENT ADDR=203.0.113.5."

demo_send "1. A clean message from outside to a local user" \
    $FOREIGN --from friend@foreign.example --to user@test.example \
    --header "Subject: Lunch on Friday?" --body "Shall we meet at noon?"

demo_send "2. An open-relay attempt: outside to outside, not authenticated" \
    $FOREIGN --from spammer@foreign.example --to victim@far.example \
    --header "Subject: Hello"

demo_send "3. Spam from a home connection: scored, flagged, Subject tagged" \
    --xclient-addr 203.0.113.77 --xclient-name dsl-203-0-113-77.pool.example \
    --ehlo 203.0.113.77 --from winner@foreign.example --to user@test.example \
    --header "Subject: WIN 5 MILLION DOLLARS AT OUR CASINO" \
    --header "To: undisclosed-recipients:;" --header "X-Mailer: BulkMail 2.0" \
    --body "Click here to claim your prize."

demo_send "4. Worse spam (no Date, no Message-ID, HELO claims to be us): rejected" \
    --xclient-addr 203.0.113.78 --xclient-name dsl-203-0-113-78.pool.example \
    --ehlo localhost --from winner@foreign.example --to user@test.example \
    --data "From: The Winner Team
To: undisclosed-recipients:;
Subject: WIN 5 MILLION DOLLARS AT OUR CASINO
X-Mailer: BulkMail 2.0

Click here to claim your prize.
"

echo
if [ "${KEEP:-0}" = 1 ]; then
    echo "Postfix listens on 127.0.0.1:$PF_PORT; delivered messages are in $SINK_DIR;"
    echo "vigie's log is $MILTER_LOG and its config $MILTER_CONF."
    e2e_detach
    exit 0
fi
echo "Demo over: stopping Postfix, vigie-milter, smtp-sink and Redis."
e2e_end
