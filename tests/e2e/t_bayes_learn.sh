#!/bin/sh
# t_bayes_learn - "vigiectl learn" and "vigiectl classify" against a real Redis
#	Learns a few corpus messages from every kind of source (files, a
#	directory, a Maildir, an mbox, standard input), checks that
#	learning twice does nothing, that moving a message to the other
#	class relearns it, that --forget undoes it, that --on-error learns
#	only what the classifier does not already get right and reinforces
#	a message learnt before (forgetting it undoes every learning), that
#	classify prints
#	one "path TAB probability TAB verdict" line per message, and that
#	a Redis that is down is reported. No Postfix: only Redis runs.
. "$(dirname "$0")/lib.sh"
e2e_begin "vigiectl learn/classify: sources, bookkeeping, output"

ctl=$VIGIE_BUILD/vigiectl
[ -x "$ctl" ] || fail "no $ctl (make all)"
corpus=$(cd "$(dirname "$0")/../../../shared/corpus/train" 2>/dev/null && pwd) \
    || fail "no corpus beside the repository (shared/corpus/train)"

start_redis
milter_conf >"$E2E_TMP/vigie.conf"
conf=$E2E_TMP/vigie.conf

# Sources: 3 spam files, a directory of 3 ham, a Maildir of 2 ham, an
# mbox of 2 spam, and one more spam on stdin.
spam_files=$(ls "$corpus/spam" | head -3 | sed "s|^|$corpus/spam/|")
mkdir -p "$E2E_TMP/hamdir" "$E2E_TMP/Maildir/cur" "$E2E_TMP/Maildir/new" "$E2E_TMP/Maildir/tmp"
for f in $(ls "$corpus/ham" | head -3); do cp "$corpus/ham/$f" "$E2E_TMP/hamdir/"; done
for f in $(ls "$corpus/ham" | sed -n '4p;5p'); do cp "$corpus/ham/$f" "$E2E_TMP/Maildir/new/"; done
for f in $(ls "$corpus/spam" | sed -n '4p;5p'); do
    grep -q '^From ' "$corpus/spam/$f" || echo "From sender@example.org Mon Jan  1 00:00:00 2024"
    cat "$corpus/spam/$f"
    echo
done >"$E2E_TMP/spam.mbox"
stdin_msg=$corpus/spam/$(ls "$corpus/spam" | sed -n 6p)

info "learn from files, a directory, a Maildir, an mbox and stdin"
# shellcheck disable=SC2086
expect_status 0 "$ctl" learn -q -c "$conf" spam $spam_files "$E2E_TMP/spam.mbox"
expect_output "learn spam: 5 messages: 5 learnt, 0 relearnt, 0 already learnt, 0 unreadable; now 5 spam and 0 ham learnt"
expect_status 0 "$ctl" learn -q -c "$conf" ham "$E2E_TMP/hamdir" "$E2E_TMP/Maildir"
expect_output "learn ham: 5 messages: 5 learnt, .* now 5 spam and 5 ham learnt"
"$ctl" learn -q -c "$conf" spam - <"$stdin_msg" >"$E2E_TMP/cmd.out" 2>&1 \
    || { cat "$E2E_TMP/cmd.out"; fail "learn from stdin failed"; }
expect_output "learn spam: 1 messages: 1 learnt, .* now 6 spam and 5 ham learnt"

info "the same messages again: nothing learnt twice"
# shellcheck disable=SC2086
expect_status 0 "$ctl" learn -q -c "$conf" spam $spam_files
expect_output "3 messages: 0 learnt, 0 relearnt, 3 already learnt"

info "a spam moved to ham is relearnt, then forgotten"
first_spam=$(echo "$spam_files" | head -1)
expect_status 0 "$ctl" learn -q -c "$conf" ham "$first_spam"
expect_output "1 messages: 0 learnt, 1 relearnt, 0 already learnt, .* now 5 spam and 6 ham learnt"
expect_status 0 "$ctl" learn -q -c "$conf" --forget ham "$first_spam"
expect_output "forget ham: 1 messages: 1 forgotten, 0 not learnt, .* now 5 spam and 5 ham learnt"
expect_status 0 "$ctl" learn -q -c "$conf" --forget ham "$first_spam"
expect_output "0 forgotten, 1 not learnt"

info "classify: one line per message, untrained classifier says unsure"
expect_status 0 "$ctl" classify -c "$conf" "$E2E_TMP/hamdir" "$E2E_TMP/spam.mbox"
[ "$(grep -c "$(printf '\t')" "$E2E_TMP/cmd.out")" -eq 5 ] || { cat "$E2E_TMP/cmd.out"; fail "expected 5 lines"; }
expect_output "^$E2E_TMP/spam\.mbox:2	0\.500000	unsure$"
expect_output "warning: only 5 spam and 5 ham learnt; the classifier needs 200 of each"

info "--on-error: a spam the classifier is not sure of is reinforced"
# Cutoffs that make the verdict certain: at spam_cutoff 1 no message is
# surely spam, at 0.01 every learnt spam is.
second_spam=$(echo "$spam_files" | sed -n 2p)
{ cat "$conf"; echo "bayes_min_learned = 1"; echo "bayes_spam_cutoff = 1"; echo "bayes_ham_cutoff = 0"; } \
    >"$E2E_TMP/unsure.conf"
{ cat "$conf"; echo "bayes_min_learned = 1"; echo "bayes_spam_cutoff = 0.01"; echo "bayes_ham_cutoff = 0"; } \
    >"$E2E_TMP/sure.conf"
expect_status 0 "$ctl" learn -q -c "$E2E_TMP/sure.conf" --on-error spam "$second_spam"
expect_output "1 messages: 0 learnt, 0 relearnt, 0 already learnt, 0 reinforced, 1 already classified spam, .* now 5 spam and 5 ham learnt"
expect_status 0 "$ctl" learn -q -c "$E2E_TMP/unsure.conf" --on-error spam "$second_spam"
expect_output "1 messages: 0 learnt, 0 relearnt, 0 already learnt, 1 reinforced, 0 already classified spam, .* now 6 spam and 5 ham learnt"
info "--on-error moves a ham it finds in the spam class; forgetting undoes every learning"
expect_status 0 "$ctl" learn -q -c "$E2E_TMP/unsure.conf" --on-error ham "$second_spam"
expect_output "1 messages: 0 learnt, 1 relearnt, .* now 4 spam and 6 ham learnt"
expect_status 0 "$ctl" learn -q -c "$E2E_TMP/unsure.conf" --on-error ham "$second_spam"
expect_output "1 reinforced, .* now 4 spam and 7 ham learnt"
expect_status 0 "$ctl" learn -q -c "$conf" --forget ham "$second_spam"
expect_output "1 forgotten, .* now 4 spam and 5 ham learnt"
expect_status 2 "$ctl" learn -c "$conf" --on-error --forget spam "$second_spam"

info "bad usage and unreadable paths"
expect_status 2 "$ctl" learn -c "$conf" maybe "$first_spam"
expect_status 2 "$ctl" classify -c "$conf"
expect_status 1 "$ctl" learn -q -c "$conf" spam "$E2E_TMP/no-such-file"
expect_output "no-such-file: No such file or directory"

info "Redis down: the error names the address"
redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
expect_status 1 "$ctl" classify -c "$conf" "$first_spam"
expect_output "redis 127\.0\.0\.1:$REDIS_PORT: Connection refused"

e2e_end
