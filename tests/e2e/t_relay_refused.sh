#!/bin/sh
# t_relay_refused - vigie alone stops an open relay
#	Postfix is an open relay on purpose. An unauthenticated foreign
#	client asking to relay to a foreign domain must get 554 5.7.1 from
#	vigie, and nothing may reach smtp-sink. Then, with the milter
#	taken out of Postfix, the same message is relayed: proof that
#	vigie was what stopped it.
. "$(dirname "$0")/lib.sh"
e2e_begin "unauthenticated relaying is refused by vigie, 554 5.7.1"

write_rules <<'RULES'
threshold 5 flag
RULES
start_stack

send_mail $FOREIGN --from spammer@foreign.example --to victim@far.example
expect_smtp_code 554 5.7.1
expect_refused_at RCPT
expect_delivered_count 0

info "a local and a foreign recipient: only the local one gets the message"
send_mail $FOREIGN --from spammer@foreign.example \
    --to user@test.example,victim@far.example
expect_smtp_code 554 5.7.1
expect_refused_at RCPT
expect_delivered_count 1
expect_header_in_delivered '^X-Rcpt-Args: <user@test\.example>'
expect_no_header_in_delivered '^X-Rcpt-Args: <victim@'

info "control: the same message without vigie in Postfix is relayed"
postfix_conf smtpd_milters=
send_mail $FOREIGN --from spammer@foreign.example --to victim@far.example
expect_smtp_code 250
expect_delivered_count 2
expect_header_in_delivered '^X-Rcpt-Args: <victim@far\.example>'
e2e_end
