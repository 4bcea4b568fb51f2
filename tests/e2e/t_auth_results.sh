#!/bin/sh
# t_auth_results - Authentication-Results of mail with valid SPF, DKIM and DMARC
#	A message is first signed by vigie for test.example (sent by an
#	authenticated user), then sent in from test.example's own server
#	(XCLIENT ADDR= inside the zone's SPF record) with two
#	Authentication-Results headers added on the way: one forging our
#	authserv-id, which vigie removes, and one of another server,
#	which stays. vigie adds its own, and Received-SPF.
. "$(dirname "$0")/lib.sh"
e2e_begin "Authentication-Results: spf=pass, dkim=pass, dmarc=pass; forgeries removed"

write_rules <<'RULES'
threshold 5 flag
RULES
write_dns_zone <<'ZONE'
test.example        TXT "v=spf1 ip4:198.51.100.0/24 -all"
_dmarc.test.example TXT "v=DMARC1; p=reject"
ZONE
dkim_test_key test.example e2e
start_stack authserv_id=mx.test.example \
    dkim_signing_table="$E2E_TMP/signing.table" dkim_key_file="$E2E_TMP/dkim.keys" \
    received_spf_header=yes

info "signing the message"
send_mail $FOREIGN $AUTH_ALICE --from alice@test.example --to friend@far.example \
    --header "From: Alice <alice@test.example>" --header "Subject: quarterly figures"
expect_smtp_code 250
expect_delivered_count 1
{
    echo "Authentication-Results: mx.test.example; dkim=pass header.d=forged.example"
    echo "Authentication-Results: other.example; spf=fail smtp.mailfrom=alice@test.example"
    cat "$(delivered_file)"
} >"$E2E_TMP/presigned"

info "the signed message comes in from test.example's server"
send_mail --xclient-addr 198.51.100.7 --xclient-name mail.test.example \
    --from alice@test.example --to user@test.example --data "$E2E_TMP/presigned"
expect_smtp_code 250
expect_delivered_count 2
expect_header_in_delivered '^Authentication-Results: mx\.test\.example; spf=pass smtp\.mailfrom=alice@test\.example; spf=none smtp\.helo=client\.remote\.example; dkim=pass header\.d=test\.example header\.s=e2e; dmarc=pass header\.from=test\.example$'
expect_header_in_delivered '^Received-SPF: pass \(mx\.test\.example: domain of alice@test\.example designates 198\.51\.100\.7 as permitted sender\) client-ip=198\.51\.100\.7; envelope-from="alice@test\.example"; helo=client\.remote\.example; receiver=mx\.test\.example; identity=mailfrom;$'
expect_no_header_in_delivered 'forged\.example'
expect_header_in_delivered '^Authentication-Results: other\.example; spf=fail'
[ "$(grep -c '^Authentication-Results: mx\.test\.example;' "$E2E_TMP/headers")" -eq 1 ] \
    || { cat "$E2E_TMP/headers"; fail "not exactly one Authentication-Results of ours"; }
expect_log_line "$E2E_QUEUE_ID: .* spf=pass spf_helo=none dkim=pass dmarc=pass dmarc_policy=reject"
e2e_end
