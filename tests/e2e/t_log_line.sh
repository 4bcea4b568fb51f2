#!/bin/sh
# t_log_line - one log line per message: queue id first, then score, tests, action
. "$(dirname "$0")/lib.sh"
e2e_begin "the per-message log line"

write_rules <<'RULES'
rule LOG_ME if header "Subject" =~ /log-me/ score 6
threshold 5 flag
RULES
start_stack

send_mail $FOREIGN --to user@test.example --header "Subject: log-me"
expect_smtp_code 250
[ -n "$E2E_QUEUE_ID" ] || fail "no queue id in the reply"
expect_log_line "^[^ ]+ vigie-milter\[[0-9]+\]: $E2E_QUEUE_ID: "
line=$(log_line ": $E2E_QUEUE_ID: ")
info "log: $line"
for field in 'score=6\.0' 'tests=LOG_ME' 'action=flag' 'client=mail\.foreign\.example\[203\.0\.113\.5\]'; do
    echo "$line" | grep -Eq -- "$field" || fail "log line lacks $field: $line"
done
[ "$(grep -c ": $E2E_QUEUE_ID: " "$MILTER_LOG")" -eq 1 ] \
    || fail "more than one log line for $E2E_QUEUE_ID"

send_mail $FOREIGN --to user@test.example --header "Subject: clean"
expect_smtp_code 250
expect_log_line ": $E2E_QUEUE_ID: .*score=0\.0.*action=accept"
e2e_end
