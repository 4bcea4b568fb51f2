#!/bin/sh
# t_bayes_autolearn - autolearning from the rules' verdicts, in per-recipient statistics
#	With bayes_autolearn = yes and bayes_per_user = recipient, a
#	message that the rules score 20 is learnt as spam, one they score
#	0 as ham, each in its recipient's statistics (the classifier is
#	untrained, so it always learns); the same message again is not
#	learnt twice; a message to two recipients uses the shared
#	statistics. The log line says autolearn=spam|ham.
. "$(dirname "$0")/lib.sh"
e2e_begin "Bayes autolearning, per-recipient statistics"

write_rules <<'RULES'
rule LEARN_ME if header "Subject" =~ /autolearn-spam/ score 20
threshold 5 flag
RULES
start_stack bayes_autolearn=yes bayes_per_user=recipient

# counts KEY - the learnt counts "spam ham" stored under KEY (spam * 10^8 + ham)
counts() {
    redis-cli -p "$REDIS_PORT" get "$1" | awk '{ printf "%d %d\n", $1 / 100000000, $1 % 100000000 }'
}
user_key="vigie:u:user@test.example:bayes:n"

info "a message the rules score 20: learnt as spam for its recipient"
send_mail $FOREIGN --to User@Test.Example --header "Subject: autolearn-spam" --body "cheap pills here"
expect_smtp_code 250
expect_log_line ": $E2E_QUEUE_ID: .* bayes=untrained autolearn=spam$"
[ "$(counts "$user_key")" = "1 0" ] || fail "expected 1 spam learnt under $user_key: $(counts "$user_key")"

info "the same message again: not learnt twice"
send_mail $FOREIGN --to user@test.example --header "Subject: autolearn-spam" --body "cheap pills here" \
    --header "Message-Id: <same@e2e>"
send_mail $FOREIGN --to user@test.example --header "Subject: autolearn-spam" --body "cheap pills here" \
    --header "Message-Id: <same@e2e>"
expect_log_line ": $E2E_QUEUE_ID: .* bayes=untrained$"
[ "$(counts "$user_key")" = "2 0" ] || fail "expected 2 spam learnt: $(counts "$user_key")"

info "a message the rules score 0: learnt as ham"
send_mail $FOREIGN --to user@test.example --header "Subject: lunch" --body "see you at noon"
expect_log_line ": $E2E_QUEUE_ID: .* autolearn=ham$"
[ "$(counts "$user_key")" = "2 1" ] || fail "expected 2 spam and 1 ham learnt: $(counts "$user_key")"

info "two recipients: the shared statistics"
send_mail $FOREIGN --to user@test.example,other@test.example --header "Subject: autolearn-spam"
expect_log_line ": $E2E_QUEUE_ID: .* autolearn=spam$"
[ "$(counts "vigie:bayes:n")" = "1 0" ] || fail "expected 1 spam in the shared statistics"
[ "$(counts "$user_key")" = "2 1" ] || fail "the recipient's statistics changed"
e2e_end
