#!/bin/sh
# NAME
#	run.sh - golden request/reply tests of vigie-policyd
# SYNOPSIS
#	sh tests/policy/run.sh [BUILD_DIR [NAME...]]
# DESCRIPTION
#	For each tests/policy/NAME.in (or only the NAMEs given), starts
#	BUILD_DIR/vigie-policyd on a unix socket in a temp dir, with the
#	base settings below plus the lines of NAME.conf if there is one,
#	against a private Redis (emptied before each test), with
#	golden.rules, logins and zone of this directory. NAME.in is sent
#	over ONE connection and every byte received back is compared with
#	NAME.out. After the test, a new connection must still get an
#	answer (the daemon stayed up), SIGTERM must stop it cleanly, and
#	each line of NAME.log, if any, is an extended regex that must
#	match a line of the daemon's log.
#
#	NAME.in holds request lines as they are sent, and directives,
#	lines starting with '#':
#	    # text		a comment
#	    #send STRING	send STRING (escapes \n \r \t \\ \xHH)
#	    #repeat N STRING	send STRING N times
#	    #sleep SECONDS	wait (after reading the replies due)
#	    #close		end the sending side, then read until the
#				daemon closes the connection
#	    #extra		open a second connection, send it a CONNECT
#				request, print what comes back, close it
#	    #reload		the settings become those of NAME.reload
#				(instead of NAME.conf); SIGHUP, then wait
#				until every thread may have taken them
#	What was sent is flushed, and the replies due are read, before
#	each of these directives (but #send and #repeat) and at the end:
#	one reply for each empty line sent. What the daemon closes shows as "[disconnected]" in the
#	output; a missing reply after 10 s as "[timeout]".
#
#	Then the test "concurrent": 40 connections of policy_load (make
#	bench builds it; policy-test too) for 50 users against a limit of 4
#	recipients each: exactly 200 requests get DUNNO, whatever batches
#	the serving threads make of them.
#	Then the test "commands": vigie-policyd -n, -V and a bad option,
#	and the check_policy_service lines of "vigiectl postfix-setup";
#	and the test "privileges" (as root only): started with user =
#	nobody and policy_socket_group = postfix, the daemon serves as
#	nobody, on a socket of mode 0660 owned by nobody:postfix.
#
#	Prints one line per test and "policy: N passed, N failed"; exits
#	1 when a test failed. Needs redis-server and perl (perl-base).

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../common.sh"
build=${1:-build}
[ $# -gt 0 ] && shift
daemon=$(cd "$build" 2>/dev/null && pwd)/vigie-policyd
if [ ! -x "$daemon" ]; then
    echo "policy: no $daemon (make all)"
    echo "policy: 0 passed, 1 failed"
    exit 1
fi
command -v redis-server >/dev/null || { echo "policy: redis-server is not installed"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigie-policy.XXXXXX") || exit 1
redis_pid=""
daemon_pid=""

# cleanup - stop what we started, remove the temp dir
cleanup()
{
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# redis_up - does our Redis answer?
redis_up()
{
    [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ]
}

redis_port=$(free_port) || exit 1
dead_port=$(free_port) || exit 1
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --dir "$tmp" --logfile "$tmp/redis.log" >/dev/null 2>&1 &
redis_pid=$!
wait_for 10 redis_up || { echo "policy: redis-server did not start"; cat "$tmp/redis.log"; exit 1; }

# client - the test client: sends $1 to socket $2, prints what comes back
client()
{
    perl -e '
use strict;
use warnings;
use IO::Socket::UNIX;
use IO::Select;

my ($file, $path) = @ARGV;
my $sock = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path)
    or die "connect $path: $!\n";
binmode STDOUT;
my $pending = "";
my $open = 1;

# unescape - \n \r \t \\ \xHH
sub unescape {
    my ($s) = @_;
    $s =~ s/\\(x([0-9a-fA-F]{2})|n|r|t|\\)/
        $1 eq "n" ? "\n" : $1 eq "r" ? "\r" : $1 eq "t" ? "\t" : $1 eq "\\" ? "\\" : chr(hex($2))/ge;
    return $s;
}

# expected - the replies due for what is in $pending: one per empty line
sub expected {
    my ($s) = @_;
    my $n = 0;
    $n++ while $s =~ /(?:^|\n)\r?\n/g;
    return $n;
}

# receive - read until $want replies came or the daemon closed; print them
sub receive {
    my ($want, $to_eof) = @_;
    my $buf = "";
    my $sel = IO::Select->new($sock);
    return if !$open;
    while ($open) {
        my $got = () = $buf =~ /\n\n/g;
        last if !$to_eof && $got >= $want;
        if (!$sel->can_read(10)) { print $buf, "[timeout]\n"; return; }
        my $n = sysread($sock, my $chunk, 65536);
        if (!$n) { $open = 0; last; }
        $buf .= $chunk;
    }
    print $buf;
    print "[disconnected]\n" if !$open;
}

# flush - send what is pending and read the replies it is due
sub flush {
    my ($to_eof) = @_;
    my $want = expected($pending);
    if ($open && length $pending) {
        local $SIG{PIPE} = "IGNORE";
        my $off = 0;
        while ($off < length $pending) {
            my $w = syswrite($sock, $pending, length($pending) - $off, $off);
            last if !defined $w;
            $off += $w;
        }
    }
    $pending = "";
    $sock->shutdown(1) if $to_eof;
    receive($want, $to_eof) if $want > 0 || $to_eof;
}

# extra - a CONNECT request on a second connection, its answer printed
sub extra {
    my $x = IO::Socket::UNIX->new(Type => SOCK_STREAM(), Peer => $path)
        or die "connect $path: $!\n";
    local $SIG{PIPE} = "IGNORE";
    syswrite($x, "request=smtpd_access_policy\nprotocol_state=CONNECT\n\n");
    my $sel = IO::Select->new($x);
    my $buf = "";
    while ($buf !~ /\n\n/ && $sel->can_read(10)) {
        my $n = sysread($x, my $chunk, 1024);
        last if !$n;
        $buf .= $chunk;
    }
    print $buf, $buf =~ /\n\n/ ? "" : "[disconnected]\n";
    close($x);
}

# reload - RELOAD_COMMAND, then wait for "reloaded" in RELOAD_LOG and
# for every thread to wake up once (1 s at most)
sub reload {
    my $before = -s $ENV{RELOAD_LOG};
    system("sh", "-c", $ENV{RELOAD_COMMAND}) == 0 or die "reload failed\n";
    for (1 .. 100) {
        open(my $log, "<", $ENV{RELOAD_LOG}) or die "$ENV{RELOAD_LOG}: $!\n";
        seek($log, $before, 0);
        local $/;
        my $text = <$log> // "";
        close($log);
        last if $text =~ /: reloaded /;
        select(undef, undef, undef, 0.1);
    }
    select(undef, undef, undef, 1.1);
}

open(my $in, "<", $file) or die "$file: $!\n";
binmode $in;
while (my $line = <$in>) {
    if ($line =~ /^#send (.*)$/) { $pending .= unescape($1); }
    elsif ($line =~ /^#repeat (\d+) (.*)$/) { $pending .= unescape($2) x $1; }
    elsif ($line =~ /^#sleep ([0-9.]+)\s*$/) { flush(0); select(undef, undef, undef, $1); }
    elsif ($line =~ /^#close\s*$/) { flush(1); }
    elsif ($line =~ /^#extra\s*$/) { flush(0); extra(); }
    elsif ($line =~ /^#reload\s*$/) { flush(0); reload(); }
    elsif ($line =~ /^#/) { }
    else { $pending .= $line; }
}
flush(0);
' "$1" "$2"
}

# policy_conf - the settings of test $1: the base ones, those of $1.${2:-conf} instead
policy_conf()
{
    _own=$here/$1.${2:-conf}
    [ -f "$_own" ] && sed "s|@DEAD_PORT@|$dead_port|g" "$_own" >"$tmp/test.conf"
    [ -f "$_own" ] || : >"$tmp/test.conf"
    base_conf "$1" | awk -v keys="$(sed 's/[ \t=].*//' "$tmp/test.conf")" '
        BEGIN { n = split(keys, k, "\n"); for (i = 1; i <= n; i++) set[k[i]] = 1 }
        { split($0, w, /[ \t=]/); if (!(w[1] in set)) print }'
    cat "$tmp/test.conf"
}

# base_conf - the settings every test starts from
base_conf()
{
    cat <<EOF
policy_socket = unix:$tmp/policy.sock
user =
log_file = $tmp/$1.log
log_level = debug
local_domains = test.example
trusted_networks = 192.0.2.0/24
rules_file = $here/golden.rules
sender_login_maps = $here/logins
dns_zone_file = $here/zone
redis_address = 127.0.0.1:$redis_port
redis_prefix = golden:
ratelimit_counter = policyd
EOF
}

# socket_up - does the daemon's socket exist? fails fast if the daemon died
socket_up()
{
    kill -0 "$daemon_pid" 2>/dev/null || return 2
    [ -S "$tmp/policy.sock" ]
}

# alive - does the daemon answer a new connection?
alive()
{
    [ "$(client "$tmp/alive.in" "$tmp/policy.sock" 2>&1)" = "action=DUNNO" ]
}

# run_test - one test; prints why it failed, returns 1 then
run_test()
{
    name=$1
    redis-cli -p "$redis_port" flushall >/dev/null || { echo "redis flushall failed"; return 1; }
    policy_conf "$name" >"$tmp/vigie.conf"
    "$daemon" -c "$tmp/vigie.conf" >"$tmp/$name.stderr" 2>&1 &
    daemon_pid=$!
    if ! wait_for 10 socket_up; then
        cat "$tmp/$name.stderr" "$tmp/$name.log" 2>/dev/null
        daemon_pid=""
        echo "vigie-policyd did not start"
        return 1
    fi
    policy_conf "$name" reload >"$tmp/reload.conf"
    RELOAD_COMMAND="cp '$tmp/reload.conf' '$tmp/vigie.conf' && kill -HUP $daemon_pid" \
    RELOAD_LOG=$tmp/$name.log \
        client "$here/$name.in" "$tmp/policy.sock" >"$tmp/$name.got" 2>"$tmp/$name.client"
    status=0
    if ! cmp -s "$here/$name.out" "$tmp/$name.got"; then
        diff -u "$here/$name.out" "$tmp/$name.got" | sed -n '1,40p'
        cat "$tmp/$name.client"
        status=1
    fi
    printf 'request=smtpd_access_policy\nprotocol_state=CONNECT\n\n' >"$tmp/alive.in"
    # (the daemon may not have seen the test's connection close yet)
    if ! wait_for 10 alive; then
        echo "vigie-policyd does not answer any more after the test"
        status=1
    fi
    kill -TERM "$daemon_pid"
    wait "$daemon_pid"
    rc=$?
    daemon_pid=""
    if [ "$rc" -ne 0 ] || [ -S "$tmp/policy.sock" ]; then
        echo "vigie-policyd did not stop cleanly (exit status $rc)"
        status=1
    fi
    if [ -f "$here/$name.log" ]; then
        while IFS= read -r re; do
            grep -Eq -- "$re" "$tmp/$name.log" && continue
            echo "no log line matches /$re/"
            status=1
        done <"$here/$name.log"
    fi
    [ $status -eq 0 ] || sed 's/^/    log: /' "$tmp/$name.log" | tail -n 15
    return $status
}

# expect_run - command "$@" exits with status $1 and prints a line matching ERE $2
expect_run()
{
    _want=$1
    _re=$2
    shift 2
    "$@" >"$tmp/cmd.out" 2>&1
    _st=$?
    [ "$_st" -eq "$_want" ] && grep -Eq -- "$_re" "$tmp/cmd.out" && return 0
    echo "$*: exit status $_st (expected $_want), output:"
    cat "$tmp/cmd.out"
    echo "expected a line matching /$_re/"
    return 1
}

# run_commands - the command line of the daemon, and vigiectl postfix-setup
run_commands()
{
    base_conf commands >"$tmp/vigie.conf"
    expect_run 0 "^$tmp/vigie.conf: configuration OK: 0 rules, 4 limits\$" \
        "$daemon" -n -c "$tmp/vigie.conf" || return 1
    expect_run 1 "^$tmp/missing.conf: " "$daemon" -n -c "$tmp/missing.conf" || return 1
    expect_run 0 '^vigie-policyd 0\.1$' "$daemon" -V || return 1
    expect_run 2 '^usage: vigie-policyd ' "$daemon" -x || return 1
    expect_run 0 "^smtpd_recipient_restrictions = check_policy_service \\{ unix:$tmp/policy.sock, default_action=DUNNO \\}\$" \
        "$(dirname "$daemon")/vigiectl" postfix-setup -c "$tmp/vigie.conf" || return 1
    grep -Eq "^smtpd_end_of_data_restrictions = check_policy_service \\{ unix:$tmp/policy.sock, default_action=DUNNO \\}\$" \
        "$tmp/cmd.out" || { cat "$tmp/cmd.out"; echo "no smtpd_end_of_data_restrictions line"; return 1; }
}

# owner_of - "MODE USER GROUP" of file $1
owner_of()
{
    stat -c '%a %U %G' "$1"
}

# run_privileges - bind as root, serve as nobody, socket for group postfix
run_privileges()
{
    mkdir "$tmp/run"
    chown nobody "$tmp/run"
    chmod 0755 "$tmp"
    base_conf privileges | sed "s|^policy_socket = .*|policy_socket = unix:$tmp/run/policy.sock|
                                s|^user =.*|user = nobody|" >"$tmp/vigie.conf"
    echo "policy_socket_group = postfix" >>"$tmp/vigie.conf"
    "$daemon" -c "$tmp/vigie.conf" >"$tmp/privileges.stderr" 2>&1 &
    daemon_pid=$!
    wait_for 10 test -S "$tmp/run/policy.sock" || { cat "$tmp/privileges.stderr"; return 1; }
    status=0
    [ "$(owner_of "$tmp/run/policy.sock")" = "660 nobody postfix" ] \
        || { echo "socket: $(owner_of "$tmp/run/policy.sock")"; status=1; }
    [ "$(ps -o user= -p "$daemon_pid")" = nobody ] \
        || { echo "runs as $(ps -o user= -p "$daemon_pid")"; status=1; }
    printf 'request=smtpd_access_policy\nprotocol_state=CONNECT\n\n' >"$tmp/alive.in"
    [ "$(client "$tmp/alive.in" "$tmp/run/policy.sock" 2>&1)" = "action=DUNNO" ] \
        || { echo "no answer as nobody"; status=1; }
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" || { echo "exit status $?"; status=1; }
    daemon_pid=""
    [ -S "$tmp/run/policy.sock" ] && { echo "socket left behind"; status=1; }
    return $status
}

# run_concurrent - many connections at once (their limit checks run in
# batches): each of 50 users is admitted exactly 4 recipients, however the
# requests of 40 connections interleave
run_concurrent()
{
    load=$(dirname "$daemon")/tests/bench/policy_load
    [ -x "$load" ] || { echo "no $load"; return 1; }
    cat >"$tmp/concurrent.rules" <<'EOF'
limit per_user
    key sasl_user
    count recipients
    max 4 per 1h
    action tempfail 451 4.7.1 "Too many recipients this hour: try again later"
EOF
    redis-cli -p "$redis_port" flushall >/dev/null || { echo "redis flushall failed"; return 1; }
    base_conf concurrent | sed "s|^rules_file = .*|rules_file = $tmp/concurrent.rules|
                                s|^log_level = .*|log_level = warn|
                                /^sender_login_maps = /d" >"$tmp/vigie.conf"
    "$daemon" -c "$tmp/vigie.conf" >"$tmp/concurrent.stderr" 2>&1 &
    daemon_pid=$!
    wait_for 10 socket_up || { cat "$tmp/concurrent.stderr"; daemon_pid=""; return 1; }
    "$load" -u "$tmp/policy.sock" -c 40 -d 2 -U 50 >"$tmp/load.out" 2>&1
    status=0
    grep -Eq ', DUNNO 200, other [1-9][0-9]*, errors 0$' "$tmp/load.out" \
        || { cat "$tmp/load.out"; echo "expected exactly 200 recipients admitted"; status=1; }
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" || { echo "exit status $?"; status=1; }
    daemon_pid=""
    return $status
}

if [ $# -gt 0 ]; then
    names="$*"
else
    names="$(cd "$here" && ls *.in | sed 's/\.in$//') commands concurrent"
    [ "$(id -u)" = 0 ] && names="$names privileges"
fi
passed=0
failed=0
for name in $names; do
    if [ "$name" = commands ] || [ "$name" = privileges ] || [ "$name" = concurrent ]; then
        "run_$name" >"$tmp/result" 2>&1
    else
        run_test "$name" >"$tmp/result" 2>&1
    fi
    if [ $? -eq 0 ]; then
        passed=$((passed + 1))
        echo "PASS $name"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        sed 's/^/    /' "$tmp/result"
    fi
done
echo "policy: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
