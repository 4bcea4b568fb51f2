#!/bin/sh
# t_local_headers - a foreign client may mail a local domain; verdict headers added
. "$(dirname "$0")/lib.sh"
e2e_begin "foreign client to a local domain: accepted, X-Spam-* headers"

write_rules <<'RULES'
threshold 5 flag
RULES
start_stack

send_mail $FOREIGN --from someone@foreign.example --to user@test.example
expect_smtp_code 250
expect_delivered_count 1
expect_header_in_delivered '^X-Spam-Flag: NO$'
expect_header_in_delivered '^X-Spam-Score: -?[0-9]+\.[0-9]$'
expect_header_in_delivered '^X-Spam-Status: No, score=-?[0-9]+\.[0-9] required=5\.0 tests='
e2e_end
