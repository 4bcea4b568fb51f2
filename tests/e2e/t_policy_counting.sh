#!/bin/sh
# t_policy_counting - with vigie-milter and vigie-policyd both running, each message counts once
#	alice may send 3 messages an hour and sends 5, through a Postfix
#	that calls both daemons. ratelimit_counter = policyd: vigie-policyd
#	counts at END-OF-MESSAGE, vigie-milter counts nothing; exactly 3
#	are delivered (counted twice, only 1 would be) and the counter
#	says 3. Then both restart with ratelimit_counter = milter, the
#	counter is reset: again exactly 3 of 5, now refused by the milter,
#	and the counter says 3.
. "$(dirname "$0")/lib.sh"
e2e_begin "policyd + milter: ratelimit_counter decides who counts, nothing twice"

ctl=$VIGIE_BUILD/vigiectl
write_rules <<'RULES'
limit e2e_msgs
    key sasl_user
    max 3 per 1h
    action tempfail 451 4.7.1 "Sending limit reached: try again later"
RULES
checks="bayes_enable=no spf_enable=no dkim_verify=no dmarc_enable=no"

# send_five - alice sends 5 messages: 3 delivered, 2 refused at end of data
send_five()
{
    for i in 1 2 3 4 5; do
        send_mail $AUTH_ALICE --from alice@test.example --to "friend$i@far.example"
        if [ "$i" -le 3 ]; then
            expect_smtp_code 250
        else
            expect_smtp_code 451 4.7.1
            expect_refused_at "."
            expect_reply_text 'Sending limit reached'
        fi
    done
}

start_redis
start_sink
start_milter $checks ratelimit_counter=policyd
start_policyd $checks ratelimit_counter=policyd
start_postfix_policy

info "ratelimit_counter = policyd"
send_five
expect_delivered_count 3
expect_log_line 'END-OF-MESSAGE client=.* sasl_user=alice@test.example .*check=limit limit=e2e_msgs .*count=3 max=3: action=451 4.7.1'
expect_status 0 "$ctl" usage -c "$POLICYD_CONF" alice@test.example
expect_output '^e2e_msgs +alice@test\.example +default +1h +3 +3 +100%'

info "ratelimit_counter = milter"
stop_policyd
stop_milter
expect_status 0 "$ctl" reset -c "$POLICYD_CONF" alice@test.example
start_milter $checks ratelimit_counter=milter
start_policyd $checks ratelimit_counter=milter
send_five
expect_delivered_count 6
expect_log_line 'action=tempfail limit=e2e_msgs key=alice@test.example window=1h count=3 max=3'
expect_status 0 "$ctl" usage -c "$POLICYD_CONF" alice@test.example
expect_output '^e2e_msgs +alice@test\.example +default +1h +3 +3 +100%'
e2e_end
