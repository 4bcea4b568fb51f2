#!/bin/sh
# t_policy_rcpt_limit - over its recipient limit, a user gets a 4xx at RCPT, before DATA
#	vigie-policyd alone (no milter), counting (ratelimit_counter =
#	policyd): alice may have 3 recipients an hour. A message to 3
#	recipients passes; the next recipient gets the limit's 451 4.7.1
#	at RCPT, in swaks' transcript, and no DATA is sent: not a byte of
#	the body crosses the wire. A message to two recipients when one
#	is left delivers to one. bob is not limited by alice's counter.
. "$(dirname "$0")/lib.sh"
e2e_begin "policyd: recipient limit refused at RCPT, no DATA sent"

write_rules <<'RULES'
limit e2e_rcpt
    key sasl_user
    count recipients
    max 3 per 1h
    action tempfail 451 4.7.1 "Too many recipients this hour: try again later"
RULES
start_redis
start_sink
start_policyd ratelimit_counter=policyd
start_postfix_policy smtpd_milters=

info "alice: 3 recipients in one message pass"
send_mail $AUTH_ALICE --from alice@test.example --to r1@far.example,r2@far.example,r3@other.example
expect_smtp_code 250
expect_delivered_count 1

info "alice: the 4th recipient of the hour is deferred at RCPT; no DATA"
send_mail $AUTH_ALICE --from alice@test.example --to r4@far.example
expect_smtp_code 451 4.7.1
expect_refused_at RCPT
expect_reply_text 'Too many recipients this hour: try again later'
expect_no_data_sent
expect_log_line 'RCPT client=.* sasl_user=alice@test.example sender=<alice@test.example> recipient=<r4@far.example>: check=limit limit=e2e_rcpt key=alice@test.example tier=default window=3600s count=3 max=3: action=451 4.7.1 Too many recipients'
expect_delivered_count 1

info "bob has his own counter: 2 recipients pass"
send_mail --auth PLAIN --auth-user bob --auth-password "$E2E_PASSWORD" --from bob@test.example \
    --to b1@far.example,b2@far.example
expect_smtp_code 250
expect_delivered_count 2
e2e_end
