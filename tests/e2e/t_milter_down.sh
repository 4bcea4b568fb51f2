#!/bin/sh
# t_milter_down - vigie-milter stopped: Postfix applies milter_default_action
. "$(dirname "$0")/lib.sh"
e2e_begin "milter down: tempfail gives 451 4.7.1, accept delivers"

write_rules <<'RULES'
threshold 5 flag
RULES
start_stack

send_mail $FOREIGN --to user@test.example
expect_smtp_code 250
expect_header_in_delivered '^X-Spam-Flag: NO$'
stop_milter

send_mail $FOREIGN --to user@test.example
expect_smtp_code 451 4.7.1
expect_refused_at MAIL
expect_delivered_count 1

postfix_conf milter_default_action=accept
send_mail $FOREIGN --to user@test.example
expect_smtp_code 250
expect_delivered_count 2
expect_no_header_in_delivered '^X-Spam-'
e2e_end
