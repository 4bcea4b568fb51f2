#!/bin/sh
# t_check - "vigiectl check" and "vigie-milter -n" on good and bad files
#	No daemon runs here: only the exit status and the file:line
#	messages are checked.
. "$(dirname "$0")/lib.sh"
e2e_begin "vigiectl check and vigie-milter -n exit codes"

ctl=$VIGIE_BUILD/vigiectl
milter=$VIGIE_BUILD/vigie-milter
[ -x "$ctl" ] || fail "no $ctl (make all)"

write_rules <<'RULES'
rule SUBJECT_TEST
    if header "Subject" =~ /test/i
    score 6
threshold 5 flag
RULES
milter_conf >"$E2E_TMP/good.conf"
expect_status 0 "$ctl" check -c "$E2E_TMP/good.conf"
expect_status 0 "$milter" -n -c "$E2E_TMP/good.conf"

info "unknown key in vigie.conf"
{ cat "$E2E_TMP/good.conf"; echo "no_such_key = 1"; } >"$E2E_TMP/badkey.conf"
line=$(wc -l <"$E2E_TMP/badkey.conf")
expect_status 1 "$ctl" check -c "$E2E_TMP/badkey.conf"
expect_output "badkey\.conf:$line:"
expect_status 1 "$milter" -n -c "$E2E_TMP/badkey.conf"
expect_output "badkey\.conf:$line:"

info "bad rules file named by the config"
cat >"$E2E_TMP/bad.rules" <<'RULES'
threshold 5 flag
rule BROKEN
    if header "Subject" =~ /(unbalanced/
RULES
milter_conf rules_file="$E2E_TMP/bad.rules" >"$E2E_TMP/badrules.conf"
expect_status 1 "$ctl" check -c "$E2E_TMP/badrules.conf"
expect_output "bad\.rules:3:"
expect_status 1 "$milter" -n -c "$E2E_TMP/badrules.conf"
expect_output "bad\.rules:3:"

info "vigie-milter refuses to start on bad rules (timeout: it must not run)"
expect_status 1 timeout 10 "$milter" -c "$E2E_TMP/badrules.conf"
expect_output "bad\.rules:3:"

info "vigiectl check --rules FILE overrides the config's rules"
expect_status 1 "$ctl" check -c "$E2E_TMP/good.conf" --rules "$E2E_TMP/bad.rules"
expect_output "bad\.rules:3:"
expect_status 0 "$ctl" check -c "$E2E_TMP/badrules.conf" --rules "$E2E_TMP/vigie.rules"

info "missing config file"
expect_status 1 "$ctl" check -c "$E2E_TMP/missing.conf"
expect_output "missing\.conf"
e2e_end
