#!/bin/sh
# t_limits_redis_down - Redis stops mid-test: mail keeps flowing, one warning
#	With fail_policy = accept, messages sent while Redis is down pass
#	unchecked (summary lines say limits=unavailable); the outage is
#	logged once and raised as one alert, not once per message. Redis
#	comes back (empty, on the same port): vigie-milter recovers
#	without a restart, logs that once, and adds the "up" alert to the
#	stream. Then, with fail_policy = tempfail (after a reload), a
#	message sent while Redis is down gets 451 4.3.0: the client
#	retries, nothing is lost.
. "$(dirname "$0")/lib.sh"
e2e_begin "Redis down: limits skipped (or tempfail), one warning, recovery without restart"

ctl=$VIGIE_BUILD/vigiectl
write_rules <<'RULES'
limit e2e_user
    key sasl_user
    max 100 per 10m
RULES
# Bayes needs Redis too and has its own outage handling: off, so that
# what is seen here is the rate limits' alone.
start_stack bayes_enable=no

for i in 1 2; do
    send_mail $AUTH_ALICE --from alice@test.example
    expect_smtp_code 250
done

stop_redis
info "5 messages while Redis is down: all accepted (fail_policy = accept)"
for i in 1 2 3 4 5; do
    send_mail $AUTH_ALICE --from alice@test.example
    expect_smtp_code 250
done
expect_delivered_count 7
n=$(grep -c 'warning: rate limits unavailable' "$MILTER_LOG")
[ "$n" -eq 1 ] || { grep warning "$MILTER_LOG"; fail "expected 1 warning for the outage, found $n"; }
n=$(grep -c 'action=accept limits=unavailable' "$MILTER_LOG")
[ "$n" -eq 5 ] || fail "expected 5 summary lines with limits=unavailable, found $n"
n=$(grep -c 'vigie-alert: kind=redis state=down' "$MILTER_LOG")
[ "$n" -eq 1 ] || fail "expected 1 alert for the outage, found $n"

info "Redis is back: limits work again without a restart"
start_redis
sleep 1.2   # redisconn retries a failed connect once a second at most
send_mail $AUTH_ALICE --from alice@test.example
expect_smtp_code 250
expect_delivered_count 8
expect_log_line 'rate limits available again'
expect_log_line 'vigie-alert: kind=redis state=up down_seconds=[0-9]+'
expect_status 0 "$ctl" usage -c "$MILTER_CONF" alice@test.example
expect_output '^e2e_user +alice@test\.example +default +10m +1 +100 '
expect_status 0 "$ctl" alerts -c "$MILTER_CONF"
expect_output 'kind=redis state=up down_seconds=[0-9]+'

info "fail_policy = tempfail: a message sent while Redis is down gets 451 4.3.0"
milter_conf bayes_enable=no fail_policy=tempfail >"$MILTER_CONF"
reload_milter
stop_redis
send_mail $AUTH_ALICE --from alice@test.example
expect_smtp_code 451 4.3.0
expect_refused_at "."
expect_log_line 'action=tempfail limits=unavailable'
start_redis
sleep 1.2
send_mail $AUTH_ALICE --from alice@test.example
expect_smtp_code 250
expect_delivered_count 9
e2e_end
