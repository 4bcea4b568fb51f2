#!/bin/sh
# t_bayes_milter - Bayes in vigie-milter: trained on the corpus, scored by the shipped rules
#	Trains the private Redis on all of ../shared/corpus/train with
#	vigiectl learn, then sends through Postfix a spam and a ham of
#	../shared/corpus/test that the classifier is sure of: the spam
#	arrives flagged by BAYES_99 of the shipped rules, the ham
#	unflagged; the log lines carry bayes=. Then Redis is stopped:
#	mail still flows (fail_policy = accept) with "bayes=skipped" in
#	X-Spam-Status and one warning for the whole outage, or is
#	tempfailed with 451 4.3.0 under fail_policy = tempfail. Redis
#	back: one line says so and Bayes runs again. Redis too slow
#	(paused longer than redis_timeout): tempfailed likewise.
. "$(dirname "$0")/lib.sh"
e2e_begin "Bayes in the milter: trained verdicts, Redis outage"

ctl=$VIGIE_BUILD/vigiectl
[ -x "$ctl" ] || fail "no $ctl (make all)"
corpus=$(cd "$(dirname "$0")/../../../shared/corpus" 2>/dev/null && pwd) \
    || fail "no corpus beside the repository (shared/corpus)"
tab=$(printf '\t')

write_rules <"$(dirname "$0")/../../rules/vigie.rules"
start_redis
start_sink
start_milter
"$ctl" learn -q -c "$MILTER_CONF" spam "$corpus/train/spam" >"$E2E_TMP/learn.out" \
    && "$ctl" learn -q -c "$MILTER_CONF" ham "$corpus/train/ham" >>"$E2E_TMP/learn.out" \
    || { cat "$E2E_TMP/learn.out"; fail "vigiectl learn failed"; }
info "$(tail -n 1 "$E2E_TMP/learn.out")"
start_postfix

# pick CLASS AWK_TEST - a test message of CLASS whose probability passes AWK_TEST ($2)
pick() {
    "$ctl" classify -c "$MILTER_CONF" "$corpus/test/$1" 2>/dev/null \
        | awk -F"$tab" "$2 { print \$1; exit }"
}
# as_sent FILE - the message as a client sends it: without an mbox "From " line
as_sent() {
    sed '1{/^From /d}' "$1" >"$E2E_TMP/message"
    echo "$E2E_TMP/message"
}

spam=$(pick spam '$2 >= 0.999') && [ -n "$spam" ] || fail "no test spam at 0.999 or more"
ham=$(pick ham '$2 <= 0.001') && [ -n "$ham" ] || fail "no test ham at 0.001 or less"

info "a corpus spam: flagged by the shipped BAYES_99"
send_mail $FOREIGN --to user@test.example --data "$(as_sent "$spam")"
expect_smtp_code 250
expect_header_in_delivered '^X-Spam-Flag: YES$'
expect_header_in_delivered '^X-Spam-Status: Yes, .*tests=([A-Z0-9_]+,)*BAYES_99\b'
expect_log_line ": $E2E_QUEUE_ID: .* bayes=(0\.99[0-9]|1\.000)$"

info "a corpus ham: not flagged, BAYES_00"
send_mail $FOREIGN --to user@test.example --data "$(as_sent "$ham")"
expect_smtp_code 250
expect_header_in_delivered '^X-Spam-Flag: NO$'
expect_header_in_delivered '^X-Spam-Status: No, .*BAYES_00'
expect_no_header_in_delivered 'bayes=skipped'
expect_log_line ": $E2E_QUEUE_ID: .* bayes=0\.00[0-9]$"

info "Redis stopped: mail flows without Bayes, one warning for the outage"
redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
wait_for "$E2E_TIMEOUT" sh -c "! redis-cli -p $REDIS_PORT ping >/dev/null 2>&1" \
    || fail "Redis did not stop"
for n in 1 2 3; do
    send_mail $FOREIGN --to user@test.example --data "$(as_sent "$spam")"
    expect_smtp_code 250
    expect_header_in_delivered '^X-Spam-Status: No, .*bayes=skipped'
    expect_no_header_in_delivered 'BAYES_'
    expect_log_line ": $E2E_QUEUE_ID: .* action=accept .*bayes=skipped$"
done
expect_delivered_count 5
warnings=$(grep -c 'Redis unavailable' "$MILTER_LOG")
[ "$warnings" -eq 1 ] || fail "expected one Redis warning for the outage, found $warnings"

info "fail_policy = tempfail: 451 4.3.0 while Redis is down"
milter_conf fail_policy=tempfail >"$MILTER_CONF"
reload_milter
send_mail $FOREIGN --to user@test.example --data "$(as_sent "$ham")"
expect_smtp_code 451 4.3.0
expect_refused_at "."
expect_log_line "action=tempfail error=\"redis 127\.0\.0\.1:$REDIS_PORT: "
expect_delivered_count 5

info "Redis back: Bayes runs again (untrained: its data went with it)"
redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir "$E2E_TMP/redis" --logfile "$E2E_TMP/redis/redis.log" --daemonize no >/dev/null 2>&1 &
E2E_PIDS="$E2E_PIDS $!"
wait_for "$E2E_TIMEOUT" redis_ping || fail "Redis did not restart"
sleep 1.2                       # redisconn waits REDISCONN_RETRY_MS after a failed connect
send_mail $FOREIGN --to user@test.example --data "$(as_sent "$ham")"
expect_smtp_code 250
expect_log_line "Redis answers again"
expect_log_line ": $E2E_QUEUE_ID: .* bayes=untrained$"
expect_no_header_in_delivered 'bayes=skipped'

info "Redis too slow (paused past redis_timeout): tempfailed as when down"
redis-cli -p "$REDIS_PORT" client pause 3000 >/dev/null || fail "CLIENT PAUSE failed"
send_mail $FOREIGN --to user@test.example --data "$(as_sent "$ham")"
expect_smtp_code 451 4.3.0
expect_log_line "action=tempfail error=\"redis 127\.0\.0\.1:$REDIS_PORT: .*(timed out|temporarily unavailable)"
expect_delivered_count 6
e2e_end
