#!/bin/sh
# t_reload_broken - a broken rules file at reload keeps the old rules in force
. "$(dirname "$0")/lib.sh"
e2e_begin "bad rules at SIGHUP: old rules kept, file:line logged"

write_rules <<'RULES'
rule OLD_RULE
    if header "Subject" =~ /old-rule/
    action reject 550 5.7.1 "Refused by the old rules"
threshold 5 flag
RULES
start_stack

send_mail $FOREIGN --to user@test.example --header "Subject: old-rule"
expect_smtp_code 550 5.7.1

write_rules <<'RULES'
threshold 5 flag
rule NEW_RULE
    if header "Subject" =~ /(unbalanced/
    score 1
RULES
reload_milter
expect_log_line "reload failed: .*/vigie\.rules:3:"

send_mail $FOREIGN --to user@test.example --header "Subject: old-rule"
expect_smtp_code 550 5.7.1
expect_reply_text 'Refused by the old rules'
send_mail $FOREIGN --to user@test.example --header "Subject: fine"
expect_smtp_code 250
expect_delivered_count 1
kill -0 "$MILTER_PID" || fail "vigie-milter died on a bad reload"
e2e_end
