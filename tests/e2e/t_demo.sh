#!/bin/sh
# t_demo - README's first command runs vigie's demo (contrib/demo.sh): it must
# keep running and showing each outcome with the shipped vigie.conf and rules
. "$(dirname "$0")/lib.sh"
e2e_begin "the demo of the README runs and shows its four outcomes"

out=$E2E_TMP/demo.out
sh "$(dirname "$0")/../../contrib/demo.sh" "$VIGIE_BUILD" >"$out" 2>&1 \
    || fail "contrib/demo.sh failed: $(tail -n 5 "$out")"
# each section's SMTP reply, in order, and what became of the message
expected=$(cat <<'WANT'
=== 1. A clean message
SMTP reply:   250 2.0.0 Ok
delivered with:
=== 2. An open-relay attempt
SMTP reply:   554 5.7.1 <victim@far.example>: Relay access denied
not delivered
=== 3. Spam from a home connection
SMTP reply:   250 2.0.0 Ok
delivered with:
=== 4. Worse spam
SMTP reply:   550 5.7.1 Message rejected as spam
not delivered
WANT
)
got=$(grep -E '^(=== |SMTP reply:|delivered with:|not delivered)' "$out")
echo "$expected" | while IFS= read -r want; do
    printf '%s\n' "$got" | grep -qF -- "$want" || { echo "$want"; break; }
done >"$E2E_TMP/missing"
[ -s "$E2E_TMP/missing" ] && fail "the demo did not show: $(cat "$E2E_TMP/missing")"
grep -q 'Subject: \[SPAM\] WIN 5 MILLION' "$out" || fail "the spam's Subject was not tagged [SPAM]"
grep -q 'X-Spam-Flag: YES' "$out" || fail "no X-Spam-Flag: YES shown"
e2e_end
