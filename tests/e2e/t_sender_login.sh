#!/bin/sh
# t_sender_login - sender_login_maps: a login may only use its own addresses
. "$(dirname "$0")/lib.sh"
e2e_begin "sender-login mismatch refused 553 5.7.1, allowed sender passes"

write_rules <<'RULES'
threshold 5 flag
RULES
write_loginmap <<'MAP'
# address            logins
alice@test.example   alice@test.example
bob@test.example     bob@test.example
@lists.test.example  alice@test.example, bob@test.example
MAP
start_stack sender_login_maps="$E2E_TMP/logins"

send_mail $FOREIGN $AUTH_ALICE --from bob@test.example --to friend@far.example
expect_smtp_code 553 5.7.1
expect_refused_at MAIL
expect_delivered_count 0

send_mail $FOREIGN $AUTH_ALICE --from alice@test.example --to friend@far.example
expect_smtp_code 250
send_mail $FOREIGN $AUTH_ALICE --from news@lists.test.example --to friend@far.example
expect_smtp_code 250
expect_delivered_count 2

info "unauthenticated mail from outside is not subject to the map"
send_mail $FOREIGN --from bob@test.example --to user@test.example
expect_smtp_code 250
expect_delivered_count 3
e2e_end
