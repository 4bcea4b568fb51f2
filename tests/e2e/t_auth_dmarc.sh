#!/bin/sh
# t_auth_dmarc - the shipped rules honour the From domain's DMARC policy
#	With rules/vigie.rules and a zone file: a stranger forging the From
#	of a p=reject domain is rejected with 550 5.7.1 at the end of
#	data; the same domain's own server (its SPF record) gets through;
#	a forged p=quarantine domain goes to the hold queue
#	(dmarc_quarantine = hold), and a forged p=none domain is only
#	reported in Authentication-Results.
. "$(dirname "$0")/lib.sh"
e2e_begin "DMARC p=reject, p=quarantine and p=none with the shipped rules"

rules=$(cd "$(dirname "$0")/../.." && pwd)/rules/vigie.rules
write_dns_zone <<'ZONE'
bank.example        TXT "v=spf1 ip4:198.51.100.0/24 -all"
_dmarc.bank.example TXT "v=DMARC1; p=reject; rua=mailto:dmarc@bank.example"
shop.example        TXT "v=spf1 ip4:198.51.100.0/24 -all"
_dmarc.shop.example TXT "v=DMARC1; p=quarantine"
blog.example        TXT "v=spf1 ip4:198.51.100.0/24 -all"
_dmarc.blog.example TXT "v=DMARC1; p=none"
ZONE
start_stack authserv_id=mx.test.example rules_file="$rules" \
    dmarc_quarantine=hold

info "a forged From of a p=reject domain is rejected"
send_mail $FOREIGN --from attacker@foreign.example --to user@test.example \
    --header "From: Bank Security <security@bank.example>"
expect_smtp_code 550 5.7.1
expect_refused_at .
expect_reply_text 'fails the DMARC policy \(p=reject\) of its From domain'
expect_log_line 'tests=DMARC_REJECT action=reject .* dmarc=fail dmarc_policy=reject'
expect_delivered_count 0

info "the domain's own server passes"
send_mail --xclient-addr 198.51.100.7 --xclient-name mail.bank.example \
    --from news@bank.example --to user@test.example \
    --header "From: Bank News <news@bank.example>"
expect_smtp_code 250
expect_delivered_count 1
expect_header_in_delivered '^Authentication-Results: mx\.test\.example; spf=pass smtp\.mailfrom=news@bank\.example; .*dmarc=pass header\.from=bank\.example$'

info "a forged From of a p=quarantine domain is held"
send_mail $FOREIGN --from attacker@foreign.example --to user@test.example \
    --header "From: <orders@shop.example>"
expect_smtp_code 250
expect_held_count 1
expect_log_line 'tests=DMARC_QUARANTINE_HOLD action=hold'

info "a forged From of a p=none domain is only reported"
send_mail $FOREIGN --from attacker@foreign.example --to user@test.example \
    --header "From: <editor@blog.example>"
expect_smtp_code 250
expect_delivered_count 2
expect_header_in_delivered '^Authentication-Results: .*dmarc=fail header\.from=blog\.example$'
expect_header_in_delivered '^X-Spam-Flag: NO$'
e2e_end
