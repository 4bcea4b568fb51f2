#!/bin/sh
# t_auth_sign - outbound mail of an authenticated user leaves DKIM-signed
#	The key is made by vigiectl dkim-keygen. The copy smtp-sink
#	received is then sent back in from a foreign client: vigie
#	verifies its own signature (dkim=pass) with the key file, and a
#	copy whose body was changed on the way fails (dkim=fail).
. "$(dirname "$0")/lib.sh"
e2e_begin "authenticated mail is DKIM-signed, and the signature verifies"

write_rules <<'RULES'
threshold 5 flag
RULES
# The DNS zone stays empty (lib.sh): no SPF or DMARC record, only DKIM matters.
dkim_test_key test.example e2e
start_stack authserv_id=mx.test.example \
    dkim_signing_table="$E2E_TMP/signing.table" dkim_key_file="$E2E_TMP/dkim.keys"

send_mail $FOREIGN $AUTH_ALICE --from alice@test.example --to friend@far.example \
    --header "Subject: signed by vigie" --body "See you at noon."
expect_smtp_code 250
expect_delivered_count 1
expect_header_in_delivered '^DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=test\.example; s=e2e;'
expect_no_header_in_delivered '^Authentication-Results:'
expect_log_line "$E2E_QUEUE_ID: .* dkim=signed/test\.example/e2e"
signed=$(delivered_file)

info "the delivered copy, sent back in from outside, verifies"
send_mail $FOREIGN --from alice@test.example --to user@test.example --data "$signed"
expect_smtp_code 250
expect_delivered_count 2
expect_header_in_delivered '^Authentication-Results: mx\.test\.example; .*dkim=pass header\.d=test\.example header\.s=e2e'

info "the same copy with its body changed fails"
sed 's/See you at noon\./See you at one./' "$signed" >"$E2E_TMP/tampered"
send_mail $FOREIGN --from alice@test.example --to user@test.example --data "$E2E_TMP/tampered"
expect_smtp_code 250
expect_delivered_count 3
expect_header_in_delivered '^Authentication-Results: mx\.test\.example; .*dkim=fail reason="body hash did not verify" header\.d=test\.example'
e2e_end
