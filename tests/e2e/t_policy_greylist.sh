#!/bin/sh
# t_policy_greylist - greylisting defers a first attempt and admits the retry
#	greylist_enable with a 2 s delay: a foreign client's first
#	attempt gets 450 4.7.1 at RCPT (DEFER_IF_PERMIT) and sends no
#	DATA; retried too early it is deferred again; after the delay the
#	retry is delivered, and so is the next message of the triplet.
#	Authenticated users are never greylisted.
. "$(dirname "$0")/lib.sh"
e2e_begin "policyd: greylisting defers, then admits the retry"

start_redis
start_sink
start_policyd greylist_enable=yes greylist_delay=2s
start_postfix_policy smtpd_milters=

info "first attempt: deferred at RCPT"
send_mail $FOREIGN --from news@foreign.example --to user@test.example
expect_smtp_code 450 4.7.1
expect_refused_at RCPT
expect_reply_text 'Greylisted'
expect_no_data_sent
info "too early: deferred again"
send_mail $FOREIGN --from news@foreign.example --to user@test.example
expect_smtp_code 450 4.7.1
expect_delivered_count 0

sleep 2
info "after the delay: the retry is delivered"
send_mail $FOREIGN --from news@foreign.example --to user@test.example
expect_smtp_code 250
expect_delivered_count 1
expect_log_line 'check=greylist greylist=retry network=203\.0\.113\.0/24'
send_mail $FOREIGN --from news@foreign.example --to user@test.example
expect_smtp_code 250
expect_delivered_count 2

info "authenticated: never greylisted"
send_mail $AUTH_ALICE --from alice@test.example --to someone@far.example
expect_smtp_code 250
expect_delivered_count 3
e2e_end
