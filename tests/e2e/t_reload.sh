#!/bin/sh
# t_reload - a rules change plus SIGHUP changes the verdict of the next message
. "$(dirname "$0")/lib.sh"
e2e_begin "SIGHUP reloads the rules"

write_rules <<'RULES'
threshold 5 flag
RULES
start_stack

send_mail $FOREIGN --to user@test.example --header "Subject: reload-test"
expect_smtp_code 250

write_rules <<'RULES'
rule RELOAD_TEST
    if header "Subject" =~ /reload-test/
    action reject 550 5.7.1 "Refused by the reloaded rules"
threshold 5 flag
RULES
reload_milter

send_mail $FOREIGN --to user@test.example --header "Subject: reload-test"
expect_smtp_code 550 5.7.1
expect_refused_at "."
expect_reply_text 'Refused by the reloaded rules'
send_mail $FOREIGN --to user@test.example --header "Subject: something else"
expect_smtp_code 250
expect_delivered_count 2
e2e_end
