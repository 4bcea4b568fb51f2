#!/bin/sh
# t_limits_tempfail - a SASL user past a limit gets a 4xx; one alert is raised
#	alice may send 5 messages per 10 minutes and sends 25: exactly 5
#	reach smtp-sink, the other 20 get the limit's 451 4.7.1 at the end
#	of data. The crossing raises ONE alert, not 20: one "vigie-alert:"
#	line in the log, one entry in "vigiectl alerts", one run of
#	alert_command (environment and JSON on stdin). "vigiectl usage"
#	and "vigiectl top" show the counter full; bob is not limited by
#	alice's counter; "vigiectl reset" empties it.
. "$(dirname "$0")/lib.sh"
e2e_begin "rate limit: limit+20 messages, exactly limit delivered, one alert"

ctl=$VIGIE_BUILD/vigiectl
LIMIT=5
write_rules <<'RULES'
limit e2e_user
    key sasl_user
    max 5 per 10m
    action tempfail 451 4.7.1 "Sending limit reached: try again later"
RULES
cat >"$E2E_TMP/alert.sh" <<EOF
#!/bin/sh
echo "kind=\$VIGIE_ALERT_KIND limit=\$VIGIE_ALERT_LIMIT key=\$VIGIE_ALERT_KEY count=\$VIGIE_ALERT_COUNT max=\$VIGIE_ALERT_MAX" >>"$E2E_TMP/alert.env"
cat >>"$E2E_TMP/alert.json"
echo >>"$E2E_TMP/alert.json"
EOF
chmod 0755 "$E2E_TMP/alert.sh"
start_stack "alert_command=$E2E_TMP/alert.sh --from-vigie"

info "alice sends $((LIMIT + 20)) messages"
i=0
while [ $i -lt $((LIMIT + 20)) ]; do
    i=$((i + 1))
    send_mail $AUTH_ALICE --from alice@test.example --to "friend$i@far.example"
    if [ $i -le $LIMIT ]; then
        expect_smtp_code 250
    else
        expect_smtp_code 451 4.7.1
        expect_refused_at "."
        expect_reply_text 'Sending limit reached: try again later'
    fi
done
expect_delivered_count $LIMIT

info "one summary line per refused message names the limit"
n=$(grep -c 'action=tempfail limit=e2e_user key=alice@test.example window=10m count=5 max=5' \
    "$MILTER_LOG")
[ "$n" -eq 20 ] || fail "expected 20 summary lines naming the limit, found $n"

info "exactly one alert: log, stream, alert_command"
expect_log_line 'vigie-alert: kind=limit limit=e2e_user key=alice@test.example .*max=5'
n=$(grep -c 'vigie-alert:' "$MILTER_LOG")
[ "$n" -eq 1 ] || { grep 'vigie-alert:' "$MILTER_LOG"; fail "expected 1 alert in the log, found $n"; }
expect_status 0 "$ctl" alerts -c "$MILTER_CONF"
n=$(grep -c 'kind=limit' "$E2E_TMP/cmd.out")
[ "$n" -eq 1 ] || { cat "$E2E_TMP/cmd.out"; fail "expected 1 alert in vigiectl alerts, found $n"; }
expect_output 'kind=limit limit=e2e_user key=alice@test.example tier=default window=600 count=5 adds=1 max=5 action=tempfail'
wait_for "$E2E_TIMEOUT" test -s "$E2E_TMP/alert.json" || fail "alert_command did not run"
sleep 1
[ "$(wc -l <"$E2E_TMP/alert.env")" -eq 1 ] || { cat "$E2E_TMP/alert.env"; fail "alert_command ran more than once"; }
grep -qx 'kind=limit limit=e2e_user key=alice@test.example count=5 max=5' "$E2E_TMP/alert.env" \
    || { cat "$E2E_TMP/alert.env"; fail "alert_command's environment is wrong"; }
grep -q '"kind":"limit"' "$E2E_TMP/alert.json" && grep -q '"sasl_user":"alice@test.example"' "$E2E_TMP/alert.json" \
    || { cat "$E2E_TMP/alert.json"; fail "alert_command's standard input is not the alert as JSON"; }

info "vigiectl usage and top show the full counter"
expect_status 0 "$ctl" usage -c "$MILTER_CONF" alice@test.example
expect_output '^e2e_user +alice@test\.example +default +10m +5 +5 +100%'
expect_status 0 "$ctl" top -c "$MILTER_CONF"
expect_output '^e2e_user +alice@test\.example +default +10m +5 +5 +100%'

info "bob has his own counter"
send_mail --auth PLAIN --auth-user bob --auth-password "$E2E_PASSWORD" --from bob@test.example
expect_smtp_code 250
expect_delivered_count $((LIMIT + 1))

info "vigiectl reset gives alice her quota back"
expect_status 0 "$ctl" reset -c "$MILTER_CONF" alice@test.example
expect_output 'alice@test.example: 1 counters reset'
send_mail $AUTH_ALICE --from alice@test.example
expect_smtp_code 250
expect_delivered_count $((LIMIT + 2))
e2e_end
