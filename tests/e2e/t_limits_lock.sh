#!/bin/sh
# t_limits_lock - a lock rule locks the account; vigiectl unlock restores it
#	alice may send 3 messages an hour; the 4th crosses the limit,
#	whose action is lock: it gets lock_reply at the end of data, and
#	every later message of alice is refused at MAIL FROM, while bob
#	still sends. "vigiectl lock" lists the lock; "vigiectl unlock"
#	lifts it (and resets alice's counters), and alice sends again.
#	An administrator's lock (vigiectl lock -t) refuses bob the same
#	way. lock_reply of vigie.conf is the reply given.
. "$(dirname "$0")/lib.sh"
e2e_begin "lock rule: account locked at the crossing, refused at MAIL, unlocked by vigiectl"

ctl=$VIGIE_BUILD/vigiectl
AUTH_BOB="--auth PLAIN --auth-user bob --auth-password $E2E_PASSWORD"
write_rules <<'RULES'
limit e2e_lock
    key sasl_user
    max 3 per 1h
    action lock
RULES
start_stack "lock_reply=550 5.7.1 \"Account locked: call the helpdesk\""

info "3 messages pass, the 4th locks the account"
for i in 1 2 3; do
    send_mail $AUTH_ALICE --from alice@test.example --to "friend$i@far.example"
    expect_smtp_code 250
done
send_mail $AUTH_ALICE --from alice@test.example --to friend4@far.example
expect_smtp_code 550 5.7.1
expect_refused_at "."
expect_reply_text 'Account locked: call the helpdesk'
expect_log_line 'action=reject limit=e2e_lock key=alice@test.example window=1h count=3 max=3 locked=yes'

info "alice is refused at MAIL FROM from now on; bob is not"
for i in 5 6; do
    send_mail $AUTH_ALICE --from alice@test.example --to "friend$i@far.example"
    expect_smtp_code 550 5.7.1
    expect_refused_at MAIL
    expect_reply_text 'Account locked: call the helpdesk'
done
expect_log_line 'reject: MAIL from .*: 550 5.7.1 Account locked: call the helpdesk; from=<alice@test.example> sasl_user=alice@test.example \(account locked\)'
send_mail $AUTH_BOB --from bob@test.example
expect_smtp_code 250
expect_delivered_count 4

info "vigiectl lock lists the lock, vigiectl unlock lifts it"
expect_status 0 "$ctl" lock -c "$MILTER_CONF"
expect_output '^alice@test.example: locked by e2e_lock since .* until unlocked'
expect_status 0 "$ctl" usage -c "$MILTER_CONF" alice@test.example
expect_output 'LOCKED by e2e_lock'
expect_status 0 "$ctl" unlock -c "$MILTER_CONF" alice@test.example
expect_output 'alice@test.example: unlocked; 1 counters reset'
expect_status 1 "$ctl" unlock -c "$MILTER_CONF" alice@test.example
expect_output 'was not locked'
send_mail $AUTH_ALICE --from alice@test.example --to friend7@far.example
expect_smtp_code 250
expect_delivered_count 5

info "an administrator locks bob for an hour"
expect_status 0 "$ctl" lock -c "$MILTER_CONF" -t 1h -r "password reset pending" bob@test.example
expect_output 'bob@test.example: locked for 1h'
send_mail $AUTH_BOB --from bob@test.example
expect_smtp_code 550 5.7.1
expect_refused_at MAIL
expect_status 0 "$ctl" unlock -c "$MILTER_CONF" bob@test.example
send_mail $AUTH_BOB --from bob@test.example
expect_smtp_code 250
expect_delivered_count 6

info "the alert stream tells the whole story: one crossing, the locks and unlocks"
expect_status 0 "$ctl" alerts -c "$MILTER_CONF"
[ "$(grep -c 'kind=limit limit=e2e_lock' "$E2E_TMP/cmd.out")" -eq 1 ] \
    || { cat "$E2E_TMP/cmd.out"; fail "expected one limit alert"; }
expect_output 'kind=limit limit=e2e_lock key=alice@test.example .*action=lock'
expect_output 'kind=lock key=bob@test.example by=vigiectl .*reason="password reset pending"'
[ "$(grep -c 'kind=unlock .*detail="unlocked; ' "$E2E_TMP/cmd.out")" -eq 2 ] \
    || { cat "$E2E_TMP/cmd.out"; fail "expected two unlock records"; }
info "alerts -n and top -n: how many lines, checked"
expect_status 0 "$ctl" alerts -c "$MILTER_CONF" -n 1
[ "$(grep -c 'kind=' "$E2E_TMP/cmd.out")" -eq 1 ] || { cat "$E2E_TMP/cmd.out"; fail "expected one alert"; }
expect_output 'kind=unlock key=bob@test.example'
expect_status 0 "$ctl" top -c "$MILTER_CONF" -n 1
expect_output 'alice@test.example'
for bad in -1 x 100001 ''; do
    expect_status 2 "$ctl" alerts -c "$MILTER_CONF" -n "$bad"
done
expect_status 2 "$ctl" top -c "$MILTER_CONF" -n 0
n=$(grep -c 'vigie-alert:' "$MILTER_LOG")
[ "$n" -eq 1 ] || fail "expected 1 alert in the log, found $n"
e2e_end
