#!/bin/sh
# t_actions - each action of a rule-flagged message, as Postfix carries it out
#	flag (X-Spam-Flag: YES), rewrite-subject, hold (Postfix hold
#	queue), reject (5xx) by threshold, and tempfail forced by a rule.
. "$(dirname "$0")/lib.sh"
e2e_begin "flag, rewrite-subject, hold, tempfail and reject verdicts"

write_rules <<'RULES'
rule FLAG_ME      if header "Subject" =~ /flag-me/      score 6
rule REWRITE_ME   if header "Subject" =~ /rewrite-me/   score 9
rule HOLD_ME      if header "Subject" =~ /hold-me/      score 13
rule REJECT_ME    if header "Subject" =~ /reject-me/    score 21
rule TEMPFAIL_ME  if header "Subject" =~ /tempfail-me/
    action tempfail 451 4.7.1 "Try again later"
threshold 5.0  flag
threshold 8.0  rewrite-subject "[SPAM] "
threshold 12.0 hold
threshold 20.0 reject 550 5.7.1 "Message rejected as spam"
RULES
start_stack

send_mail $FOREIGN --to user@test.example --header "Subject: flag-me"
expect_smtp_code 250
flagged=$E2E_MSG_ID
expect_delivered_count 1
expect_header_in_delivered '^X-Spam-Flag: YES$'
expect_header_in_delivered '^X-Spam-Score: 6\.0$'
expect_header_in_delivered '^X-Spam-Status: Yes, score=6\.0 required=5\.0 tests=FLAG_ME'
expect_header_in_delivered '^Subject: flag-me$'

send_mail $FOREIGN --to user@test.example --header "Subject: rewrite-me"
expect_smtp_code 250
expect_delivered_count 2
expect_header_in_delivered '^X-Spam-Flag: YES$'
expect_header_in_delivered '^Subject: \[SPAM\] rewrite-me$'

send_mail $FOREIGN --to user@test.example --header "Subject: hold-me"
expect_smtp_code 250
expect_held_count 1
expect_delivered_count 2
postqueue -c "$PF_DIR" -p | grep -q "^$E2E_QUEUE_ID!" \
    || fail "postqueue -p does not show $E2E_QUEUE_ID as held"

send_mail $FOREIGN --to user@test.example --header "Subject: reject-me"
expect_smtp_code 550 5.7.1
expect_refused_at "."
expect_reply_text 'Message rejected as spam'

send_mail $FOREIGN --to user@test.example --header "Subject: tempfail-me"
expect_smtp_code 451 4.7.1
expect_refused_at "."
expect_reply_text 'Try again later'

expect_delivered_count 2
expect_held_count 1
expect_header_in_delivered '^X-Spam-Flag: YES$' "$flagged"
e2e_end
