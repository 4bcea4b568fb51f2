#!/bin/sh
# t_auth_relay - an authenticated user relays to a foreign domain
#	The client address is foreign (XCLIENT), so only the SASL login
#	makes the relaying legitimate.
. "$(dirname "$0")/lib.sh"
e2e_begin "authenticated user relays to a foreign domain"

write_rules <<'RULES'
threshold 5 flag
RULES
start_stack

send_mail $FOREIGN $AUTH_ALICE --from alice@test.example --to friend@far.example
expect_smtp_code 250
expect_delivered_count 1
expect_header_in_delivered '^X-Spam-Flag: NO$'

info "wrong password: Postfix refuses AUTH, nothing relayed"
send_mail $FOREIGN --auth PLAIN --auth-user alice --auth-password wrong \
    --from alice@test.example --to friend@far.example
expect_smtp_code 535
expect_delivered_count 1
e2e_end
