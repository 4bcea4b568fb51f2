#!/bin/sh
# t_limits_hold - messages past a limit whose action is hold wait in the hold queue
#	alice may send 5 messages per 10 minutes and sends 25: all are
#	accepted (250), 5 reach smtp-sink and 20 wait in Postfix's hold
#	queue for the administrator; one alert is raised. Mail already
#	accepted is never lost: "postsuper -H ALL" releases the held ones.
. "$(dirname "$0")/lib.sh"
e2e_begin "rate limit with action hold: limit delivered, the rest held, one alert"

LIMIT=5
write_rules <<'RULES'
limit e2e_hold
    key sasl_user
    max 5 per 10m
    action hold
RULES
start_stack

info "alice sends $((LIMIT + 20)) messages"
i=0
while [ $i -lt $((LIMIT + 20)) ]; do
    i=$((i + 1))
    send_mail $AUTH_ALICE --from alice@test.example --to "friend$i@far.example"
    expect_smtp_code 250
done
expect_delivered_count $LIMIT
expect_held_count 20
n=$(grep -c 'action=hold limit=e2e_hold key=alice@test.example window=10m count=5 max=5' \
    "$MILTER_LOG")
[ "$n" -eq 20 ] || fail "expected 20 summary lines naming the limit, found $n"
n=$(grep -c 'vigie-alert: kind=limit limit=e2e_hold' "$MILTER_LOG")
[ "$n" -eq 1 ] || fail "expected 1 alert in the log, found $n"

info "the administrator releases the held messages: none was lost"
postsuper -c "$PF_DIR" -H ALL >/dev/null 2>&1 || fail "postsuper -H ALL failed"
postqueue -c "$PF_DIR" -f
expect_delivered_count $((LIMIT + 20))
expect_held_count 0
e2e_end
