#!/bin/sh
# NAME
#	policy.sh - vigie-policyd under load, and postfwd on the same load
# SYNOPSIS
#	sh tests/bench/policy.sh [BUILD_DIR]
# DESCRIPTION
#	Starts a private Redis and BUILD_DIR/vigie-policyd (counting:
#	ratelimit_counter = policyd) with one rate limit on recipients per
#	SASL user and hour (set high: the comparison below is between
#	services that both let every request through), then drives it with policy_load: 100
#	persistent connections for 5 seconds (see ENVIRONMENT),
#	1000 users, one RCPT request after the other on each connection.
#	Every request costs one Redis round trip (the limit's Lua script).
#	Prints requests/s and the latency percentiles.
#
#	When Debian's postfwd is installed, runs postfwd on the same load
#	with the equivalent rule,
#	    action=rcpt(sasl_username/100000/3600/451 4.7.1 ...)
#	(its counters live in its own memory), and prints the ratio of
#	the two request rates. The comparison uses postfwd1 (one process,
#	Net::Server::Multiplex, many connections), which serves persistent
#	connections as Postfix uses them; postfwd2's pre-forked children
#	need a syslog socket to start. Without /dev/log (containers),
#	postfwd gets a Sys::Syslog that discards its messages, which only
#	makes it faster.
# ENVIRONMENT
#	POLICY_BENCH_CONNS, POLICY_BENCH_SECONDS	the load (defaults 100 and 5)

. "$(dirname "$0")/../common.sh"
build=${1:-build}
conns=${POLICY_BENCH_CONNS:-100}
seconds=${POLICY_BENCH_SECONDS:-5}
load=$build/tests/bench/policy_load
daemon=$build/vigie-policyd
for f in "$load" "$daemon"; do
    [ -x "$f" ] || { echo "policy bench: no $f (make bench)"; exit 1; }
done
command -v redis-server >/dev/null || { echo "policy bench: redis-server is not installed"; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigie-policy-bench.XXXXXX") || exit 1
chmod 0755 "$tmp"
redis_pid=""
daemon_pid=""
postfwd_pid=""

# cleanup - stop what we started, remove the temp dir
cleanup()
{
    [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
    [ -n "$postfwd_pid" ] && kill "$postfwd_pid" 2>/dev/null
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# listening - does something listen on TCP port $1?
listening()
{
    [ -n "$(ss -Htln "sport = :$1")" ]
}

# result - the requests/s in policy_load's output $1
result()
{
    sed -n 's/^RESULT rps=\([0-9]*\) .*/\1/p' "$1"
}

redis_port=$(free_port)
redis-server --bind 127.0.0.1 --port "$redis_port" --save '' --appendonly no \
    --dir "$tmp" --logfile "$tmp/redis.log" >/dev/null 2>&1 &
redis_pid=$!
wait_for 10 listening "$redis_port" || { echo "policy bench: redis-server did not start"; exit 1; }

cat >"$tmp/vigie.rules" <<'EOF'
# the limit alone: no signals, as postfwd keeps none
set signal_window off
limit bench_rcpt
    key sasl_user
    count recipients
    max 100000 per 1h
    action tempfail 451 4.7.1 "Too many recipients this hour: try again later"
EOF
cat >"$tmp/vigie.conf" <<EOF
policy_socket = unix:$tmp/policy.sock
user =
log_file = $tmp/vigie.log
log_level = warn
local_domains = test.example
trusted_networks = 192.0.2.0/24
rules_file = $tmp/vigie.rules
redis_address = 127.0.0.1:$redis_port
ratelimit_counter = policyd
policy_max_connections = $((conns + 100))
EOF
"$daemon" -c "$tmp/vigie.conf" 2>"$tmp/daemon.err" &
daemon_pid=$!
wait_for 10 test -S "$tmp/policy.sock" || { cat "$tmp/daemon.err"; exit 1; }

echo "== vigie-policyd: $conns connections, ${seconds}s, a recipient limit in Redis"
"$load" -u "$tmp/policy.sock" -c "$conns" -d "$seconds" >"$tmp/vigie.out" || { cat "$tmp/vigie.out"; exit 1; }
sed -n 1p "$tmp/vigie.out"
vigie_rps=$(result "$tmp/vigie.out")
kill "$daemon_pid" && wait "$daemon_pid"
daemon_pid=""

if [ ! -x /usr/sbin/postfwd1 ]; then
    echo "== postfwd: not installed (apt-get install postfwd): no comparison"
    exit 0
fi
mkdir "$tmp/postfwd"
chown nobody "$tmp/postfwd"
echo 'id=RCPT_LIMIT; sasl_username=~/./; action=rcpt(sasl_username/100000/3600/451 4.7.1 Too many recipients this hour: try again later)' \
    >"$tmp/postfwd/rules"
inc=""
if [ ! -S /dev/log ]; then
    mkdir -p "$tmp/postfwd/lib/Sys"
    cat >"$tmp/postfwd/lib/Sys/Syslog.pm" <<'EOF'
# A Sys::Syslog that discards, for a host without /dev/log.
package Sys::Syslog;
use strict;
use Exporter 'import';
our $VERSION = '0.36';
our @EXPORT = qw(openlog syslog closelog setlogmask);
our @EXPORT_OK = qw(setlogsock);
our %EXPORT_TAGS = (DEFAULT => [@EXPORT], standard => [@EXPORT]);
sub openlog { 1 }
sub syslog { 1 }
sub closelog { 1 }
sub setlogmask { 0xff }
sub setlogsock { 1 }
1;
EOF
    chmod -R a+rX "$tmp/postfwd"
    inc="-I$tmp/postfwd/lib"
fi
postfwd_port=$(free_port)
perl -T $inc /usr/sbin/postfwd1 -d -f "$tmp/postfwd/rules" -i 127.0.0.1 -p "$postfwd_port" \
    -u nobody -g nogroup --pidfile "$tmp/postfwd/pid" >"$tmp/postfwd.err" 2>&1
wait_for 10 listening "$postfwd_port" || { cat "$tmp/postfwd.err"; echo "postfwd did not start"; exit 1; }
postfwd_pid=$(cat "$tmp/postfwd/pid")

echo "== postfwd ($(/usr/sbin/postfwd1 -V 2>/dev/null | cut -d' ' -f1-2)): the same load, the equivalent rcpt() rule"
"$load" -t "127.0.0.1:$postfwd_port" -c "$conns" -d "$seconds" >"$tmp/postfwd.out" \
    || { cat "$tmp/postfwd.out"; exit 1; }
sed -n 1p "$tmp/postfwd.out"
postfwd_rps=$(result "$tmp/postfwd.out")
kill "$postfwd_pid"
postfwd_pid=""
awk -v v="$vigie_rps" -v p="$postfwd_rps" \
    'BEGIN { printf "== vigie-policyd / postfwd: %.1fx the requests/s (target: 10x)\n", v / p }'
