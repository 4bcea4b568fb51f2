#!/bin/sh
# t_policy_lock - a locked account is refused at RCPT, before DATA
#	vigie-policyd alone with the default ratelimit_counter (milter):
#	it counts nothing but refuses the recipients of a locked account.
#	"vigiectl lock alice" makes alice's next message get lock_reply
#	(550 5.7.1) at RCPT, without DATA; bob still sends; "vigiectl
#	unlock" lets alice send again.
. "$(dirname "$0")/lib.sh"
e2e_begin "policyd: a locked account is refused at RCPT"

ctl=$VIGIE_BUILD/vigiectl
start_redis
start_sink
start_policyd "lock_reply=550 5.7.1 \"Account locked: call the helpdesk\""
start_postfix_policy smtpd_milters=

send_mail $AUTH_ALICE --from alice@test.example --to friend@far.example
expect_smtp_code 250

info "vigiectl lock alice: refused at RCPT"
expect_status 0 "$ctl" lock -c "$POLICYD_CONF" -r "e2e test" alice@test.example
send_mail $AUTH_ALICE --from alice@test.example --to friend@far.example
expect_smtp_code 550 5.7.1
expect_refused_at RCPT
expect_reply_text 'Account locked: call the helpdesk'
expect_no_data_sent
expect_log_line 'RCPT client=.* sasl_user=alice@test.example .*check=lock: action=550 5.7.1 Account locked: call the helpdesk'
send_mail --auth PLAIN --auth-user bob --auth-password "$E2E_PASSWORD" --from bob@test.example
expect_smtp_code 250
expect_delivered_count 2

info "vigiectl unlock alice: she sends again"
expect_status 0 "$ctl" unlock -c "$POLICYD_CONF" alice@test.example
send_mail $AUTH_ALICE --from alice@test.example --to friend@far.example
expect_smtp_code 250
expect_delivered_count 3
e2e_end
