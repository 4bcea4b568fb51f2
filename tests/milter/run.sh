#!/bin/sh
# NAME
#	run.sh - vigie-milter and vigiectl tested through miltertest
# SYNOPSIS
#	sh tests/milter/run.sh [BUILD_DIR]
# DESCRIPTION
#	Builds a configuration in a temporary directory, checks the -n,
#	-V and usage exit codes and the two vigiectl commands, starts
#	vigie-milter on a random loopback port (user empty) and runs the
#	Lua scripts of this directory against it with miltertest(8):
#	relay guard, sender-login check, X-Spam-* headers and subject
#	rewriting, header values with their leading space and
#	Authentication-Results (SPF and DMARC on a local zone file), rule
#	actions, fail_policy. Then SIGHUP with new rules, SIGHUP with
#	broken rules (the old ones must stay), SIGTERM (exit 0). As root,
#	also a unix socket instance that switches to nobody:nogroup.
#	Prints "milter: N passed, N failed"; exits 1 when anything failed.

build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
milter="$build/vigie-milter"
ctl="$build/vigiectl"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigie-milter-test.XXXXXX") || exit 1
passed=0
failed=0
daemon=

cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# result - count and show one check: result STATUS NAME
result() {
    if [ "$1" -eq 0 ]; then
        passed=$((passed + 1))
        echo "ok - $2"
    else
        failed=$((failed + 1))
        echo "FAIL - $2"
    fi
}

# expect_status - run a command, compare its exit status: expect_status N NAME CMD...
expect_status() {
    want=$1 name=$2
    shift 2
    "$@" >"$tmp/out" 2>&1
    got=$?
    [ "$got" -eq "$want" ]
    result $? "$name (exit $got, want $want)"
    [ "$got" -eq "$want" ] || sed 's/^/    /' "$tmp/out"
}

# expect_output - the last command's output contains a fixed string
expect_output() {
    grep -qF -- "$1" "$tmp/out"
    result $? "output has: $1"
}

# expect_log - the daemon's log gets a line containing a fixed string (5 s)
expect_log() {
    i=0
    while ! grep -qF -- "$1" "$tmp/milter.log" 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -gt 50 ]; then
            result 1 "log has: $1"
            return
        fi
        sleep 0.1
    done
    result 0 "log has: $1"
}

# lua - run one miltertest script: lua NAME [VAR=VALUE]
lua() {
    script=$1
    shift
    set -- -D "port=$port" -D "dir=$here" "$@"
    miltertest "$@" -s "$here/$script.lua" >"$tmp/out" 2>&1
    status=$?
    result $status "miltertest $script.lua $*"
    [ "$status" -eq 0 ] || sed 's/^/    /' "$tmp/out"
}

# start_daemon - start vigie-milter with config $1; wait for its "starting" line
start_daemon() {
    : >"$tmp/milter.log"
    "$milter" -c "$1" >"$tmp/daemon.out" 2>&1 &
    daemon=$!
    i=0
    while ! grep -q "starting vigie-milter" "$tmp/milter.log" 2>/dev/null; do
        i=$((i + 1))
        if [ "$i" -gt 50 ] || ! kill -0 "$daemon" 2>/dev/null; then
            cat "$tmp/daemon.out" "$tmp/milter.log"
            return 1
        fi
        sleep 0.1
    done
}

# stop_daemon - SIGTERM; the exit status must be 0
stop_daemon() {
    kill -TERM "$daemon"
    wait "$daemon"
    status=$?
    daemon=
    result $status "SIGTERM: clean exit (status $status)"
}

# write_config - vigie.conf for socket $1 and user $2 into $3
write_config() {
    cat >"$3" <<CONF
milter_socket = $1
user = $2
group = $4
pid_file = vigie.pid
rules_file = vigie.rules
sender_login_maps = logins
log_file = milter.log
log_level = debug
local_domains = example.org
trusted_networks = 192.0.2.0/24, 2001:db8:1::/48
fail_policy = accept
authserv_id = mx.example.org
dns_zone_file = test.zone
bayes_enable = no
CONF
}

# DNS data for SPF, DKIM and DMARC: nothing is asked of the network.
cat >"$tmp/test.zone" <<'EOF2'
example.net TXT "v=spf1 ip4:198.51.100.0/24 -all"
_dmarc.example.net TXT "v=DMARC1; p=reject"
EOF2

cat >"$tmp/logins" <<'EOF2'
# login map: who may send as whom
alice@example.org   alice
@example.net        bob
EOF2
cat >"$tmp/vigie.rules" <<'EOF2'
list blocked_senders = spammer@evil.test, @spam.test
set relay_guard on
set sender_login_check on

rule SUBJECT_VIAGRA
    if header "Subject" =~ /v[i1]agra/i
    score 6
rule MORE
    if header "X-Test" == "more"
    score 3
rule MORE_STILL
    if header "X-More" exists
    score 6
rule BLOCKED_SENDER
    if sender in blocked_senders
    action reject 550 5.7.1 "Sender blocked by local policy (100% sure)"
rule HOLD_ME
    if header "X-Test" == "hold"
    action hold
rule TEMPFAIL_ME
    if header "X-Test" == "tempfail"
    action tempfail "Try later"

threshold 5.0 flag
threshold 8.0 rewrite-subject "[SPAM] "
EOF2
printf 'rule BROKEN\n    score 1\n' >"$tmp/bad.rules"

# A random high port; retried when taken.
for attempt in 1 2 3 4 5; do
    port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
    write_config "inet:$port@127.0.0.1" "" "$tmp/vigie.conf" ""
    start_daemon "$tmp/vigie.conf" && break
    port=
done
[ -n "$port" ]
result $? "vigie-milter started on 127.0.0.1:$port"
[ -n "$port" ] || exit 1
[ "$(cat "$tmp/vigie.pid" 2>/dev/null)" = "$daemon" ]
result $? "pid_file holds the daemon's pid"

# Options and vigiectl, against the same files.
expect_status 0 "vigie-milter -n" "$milter" -n -c "$tmp/vigie.conf"
expect_output "configuration OK: 6 rules"
expect_status 1 "vigie-milter -n with broken rules" "$milter" -n -c "$tmp/vigie.conf" -r "$tmp/bad.rules"
expect_output "$tmp/bad.rules:"
expect_status 1 "vigie-milter -n without a config" "$milter" -n -c "$tmp/missing.conf"
expect_output "$tmp/missing.conf: "
expect_status 0 "vigie-milter -V" "$milter" -V
expect_output "vigie-milter 0.1"
expect_status 2 "vigie-milter with a bad option" "$milter" -x
expect_status 0 "vigiectl check" "$ctl" check -c "$tmp/vigie.conf"
expect_output "ok: 6 rules"
expect_status 0 "vigiectl check --rules" "$ctl" check --rules "$tmp/vigie.rules"
expect_status 1 "vigiectl check --rules broken" "$ctl" check --rules "$tmp/bad.rules"
expect_output "$tmp/bad.rules:"
grep -v '^sender_login_maps' "$tmp/vigie.conf" >"$tmp/nomap.conf"
expect_status 0 "vigiectl check without a login map" "$ctl" check -c "$tmp/nomap.conf"
expect_output "warning: sender_login_check is on but sender_login_maps is not set"
expect_status 0 "vigiectl postfix-setup" "$ctl" postfix-setup -c "$tmp/vigie.conf"
expect_output "smtpd_milters = { inet:127.0.0.1:$port, default_action=accept }"

# The daemon.
lua relay
lua login
lua headers
lua auth
lua actions
lua reload -D expect=old
lua failpolicy
expect_log "the MTA offers milter actions 0x111, vigie needs 0x131"
expect_log "FAIL1: client=unknown[198.51.100.4] sender=<someone@example.net> rcpts=1 action=accept error=\"the MTA refused a header change or quarantine"
expect_log "QID0: reject: RCPT from unknown[198.51.100.4]: 554 5.7.1 <victim@elsewhere.test>: Relay access denied: vigie accepts mail for other domains only from authenticated users or trusted networks; from=<someone@example.net> to=<victim@elsewhere.test>"
expect_log "NOQUEUE: reject: MAIL from dsl.example.com[203.0.113.50]: 553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user alice"
expect_log "SPAM2: client=unknown[198.51.100.4] sender=<someone@example.net> rcpts=1 score=9.0 tests=SUBJECT_VIAGRA,MORE action=rewrite-subject time="
expect_log "REJ1: client=unknown[198.51.100.4] sender=<spammer@evil.test> rcpts=1 score=0.0 tests=BLOCKED_SENDER action=reject"
expect_log "client=dsl.example.com[203.0.113.50] sasl_user=alice sender=<alice@example.org> rcpts=1"

# SIGHUP with new rules, then with broken rules.
printf 'rule NEW_RULE\n    if header "X-New" exists\n    score 0.5\n' >>"$tmp/vigie.rules"
kill -HUP "$daemon"
expect_log "reloaded $tmp/vigie.conf: 7 rules"
lua reload -D expect=new
sed "s/^milter_socket = .*/milter_socket = inet:$((port + 1))@127.0.0.1/" "$tmp/vigie.conf" >"$tmp/new.conf"
mv "$tmp/new.conf" "$tmp/vigie.conf"
kill -HUP "$daemon"
expect_log "reload: milter_socket changed from \"inet:$port@127.0.0.1\""
cp "$tmp/bad.rules" "$tmp/vigie.rules"
kill -HUP "$daemon"
expect_log "reload failed: $tmp/vigie.rules:"
kill -0 "$daemon"
result $? "still running after a failed reload"
lua reload -D expect=new
stop_daemon
expect_log "stopped"

# As root: a unix socket with socket_mode, handed to nobody:nogroup.
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1 && getent group nogroup >/dev/null; then
    printf 'rule ONE\n    if helo == "x"\n    score 1\n' >"$tmp/vigie.rules"    # valid again
    write_config "unix:$tmp/milter.sock" nobody "$tmp/unix.conf" nogroup
    if start_daemon "$tmp/unix.conf"; then
        [ "$(stat -c '%a %U %G' "$tmp/milter.sock")" = "660 nobody nogroup" ]
        result $? "unix socket mode 660, owned by nobody:nogroup ($(stat -c '%a %U %G' "$tmp/milter.sock"))"
        [ "$(awk '/^Uid:/ { print $2 $3 $4 $5 }' "/proc/$daemon/status")" = \
          "$(id -u nobody)$(id -u nobody)$(id -u nobody)$(id -u nobody)" ]
        result $? "runs as nobody"
        stop_daemon
    else
        result 1 "vigie-milter started on a unix socket as nobody"
    fi
fi

echo "milter: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
