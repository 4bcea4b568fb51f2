# NAME
#	lib.sh - harness for vigie's end-to-end tests
# SYNOPSIS
#	. "$(dirname "$0")/lib.sh"
#	e2e_begin "what this test shows"
#	write_rules <<'EOF'
#	rule SUBJECT_TEST if header "Subject" =~ /test/ score 6
#	threshold 5 flag
#	EOF
#	start_stack			# Redis, smtp-sink, vigie-milter, Postfix
#	send_mail $FOREIGN --to someone@far.example
#	expect_smtp_code 554 5.7.1
#	expect_refused_at RCPT
#	expect_delivered_count 0
#	e2e_end
# DESCRIPTION
#	Each test runs real daemons, all private to the test: a Redis, an
#	smtp-sink that stands for "the rest of the Internet" (every message
#	Postfix delivers ends up there, one file per message), a Postfix
#	instance with its own config, queue and SASL database, and
#	vigie-milter plugged into it. Everything lives in one temp dir
#	and listens on 127.0.0.1 on random free ports, so several runs can
#	happen at once on one machine. e2e_begin installs a trap that stops
#	everything and removes the temp dir when the test exits, whether
#	it passed or failed; on failure the logs are printed first.
#
#	The Postfix instance is an open relay ON PURPOSE
#	(smtpd_relay_restrictions = check_client_access static:OK, ...):
#	whatever the tests show about relaying, vigie alone decides it.
#
#	Assertions (expect_*) print what was expected and what was seen,
#	then end the test with status 1. Functions return 0 on success.
#	Shell: POSIX sh (dash) plus "local". Must run as root (Postfix).
# ENVIRONMENT
#	VIGIE_BUILD	directory holding vigie-milter and vigiectl
#			(default: ./build; run.sh sets it)
#	E2E_KEEP=1	keep the temp dir (its path is printed)
#	E2E_TIMEOUT	seconds to wait for a daemon or a delivery (20)
# GLOBALS SET FOR TESTS
#	E2E_TMP		the test's temp dir
#	PF_PORT		Postfix's SMTP port; PF_DIR its config dir,
#			PF_QUEUE its queue, PF_LOG its maillog
#	SINK_PORT	smtp-sink's port; SINK_DIR the delivered messages
#	REDIS_PORT	Redis's port (after start_redis)
#	MILTER_PID	vigie-milter's PID; MILTER_CONF, MILTER_LOG its files
#	E2E_REPLY	outcome of the last send_mail, e.g. "554 5.7.1 ..."
#	E2E_QUEUE_ID	Postfix queue id of the last accepted message
#	E2E_MSG_ID	the X-E2E-Id header value of the last message sent
#	FOREIGN		swaks options presenting a foreign client (XCLIENT)
#	AUTH_ALICE	swaks options authenticating as alice (AUTH PLAIN);
#			Postfix reports the login as alice@test.example
#	E2E_PASSWORD	the SASL password of every test user

: "${VIGIE_BUILD:=$(pwd)/build}"
: "${E2E_TIMEOUT:=20}"
# free_port, wait_for SECONDS COMMAND... (E2E_DIR: this directory, for a
# script elsewhere that sources this file, like contrib/demo.sh)
. "${E2E_DIR:-$(dirname "$0")}/../common.sh"

E2E_PASSWORD=e2e-secret
FOREIGN="--xclient-addr 203.0.113.5 --xclient-name mail.foreign.example"
AUTH_ALICE="--auth PLAIN --auth-user alice --auth-password $E2E_PASSWORD"
E2E_PIDS=""
E2E_PORTS=""
E2E_SENT=0
E2E_REPLY=""
E2E_QUEUE_ID=""
E2E_MSG_ID=""
PF_DIR=""
PF_RUNNING=0
SINK_PORT=""
MILTER_PID=""
MILTER_PF=""
MILTER_LISTEN=""
REDIS_PORT=""

# e2e_begin - start a test: temp dir, cleanup trap, tool check
#	$1: a one-line description, printed first.
e2e_begin()
{
    echo "== $(basename "$0"): $1"
    if [ "$(id -u)" != 0 ]; then
        echo "FAIL: end-to-end tests run a private Postfix and must run as root" >&2
        exit 1
    fi
    for _tool in postfix postconf postqueue smtp-sink swaks redis-server redis-cli \
                 saslpasswd2 script ss; do
        command -v "$_tool" >/dev/null 2>&1 \
            || { echo "FAIL: $_tool is not installed (sh contrib/bootstrap.sh)" >&2; exit 1; }
    done
    E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/vigie-e2e.XXXXXX") \
        || { echo "FAIL: mktemp" >&2; exit 1; }
    # Postfix daemons (user postfix) and a milter run as nobody must
    # reach files in here.
    chmod 0755 "$E2E_TMP"
    trap e2e_cleanup EXIT
    trap 'exit 1' HUP INT PIPE TERM
}

# e2e_end - the test passed: say so (cleanup runs from the trap)
e2e_end()
{
    echo "ok: $(basename "$0")"
    exit 0
}

# fail - end the test with a message on stderr; status 1
fail()
{
    echo "FAIL: $(basename "$0"): $*" >&2
    exit 1
}

# info - a progress line on stdout
info()
{
    echo "-- $*"
}

# e2e_cleanup - EXIT trap: dump logs on failure, stop everything, remove temp dir
e2e_cleanup()
{
    _rc=$?
    # Still clean up when the output went away (a closed pipe).
    trap - EXIT HUP INT TERM
    trap '' PIPE
    [ "$_rc" -ne 0 ] && e2e_dump_logs >&2
    [ -n "$MILTER_PID" ] && stop_milter
    [ "$PF_RUNNING" = 1 ] && stop_postfix
    for _pid in $E2E_PIDS; do
        stop_pid "$_pid"
    done
    if [ "${E2E_KEEP:-0}" = 1 ]; then
        echo "kept: $E2E_TMP" >&2
    elif [ -n "$E2E_TMP" ]; then
        rm -rf "$E2E_TMP"
    fi
    exit "$_rc"
}

# e2e_dump_logs - print the tail of every log of the test (on failure)
e2e_dump_logs()
{
    for _log in "$E2E_TMP/postfix/maillog" "$E2E_TMP/vigie.log" \
                "$E2E_TMP/vigie-milter.out" "$E2E_TMP/sink.out"; do
        [ -s "$_log" ] || continue
        echo "---- last lines of $_log"
        tail -n 25 "$_log"
    done
}

# stop_pid - TERM a process we started, wait up to 10 s, then KILL it
stop_pid()
{
    kill -0 "$1" 2>/dev/null || return 0
    kill -TERM "$1" 2>/dev/null
    _i=0
    while kill -0 "$1" 2>/dev/null && [ $_i -lt 100 ]; do
        sleep 0.1
        _i=$((_i + 1))
    done
    kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
    return 0
}

# port_busy - is TCP port $1 in use on this machine (any state)?
port_busy()
{
    [ -n "$(ss -Htan "sport = :$1")" ]
}

# port_listening - does something listen on TCP port $1?
port_listening()
{
    [ -n "$(ss -Htln "sport = :$1")" ]
}

# pick_port - choose a free random TCP port in 20000-59999, store it in variable $1
#	Ports already handed out by this test are not reused, so two
#	daemons started one after the other cannot get the same one.
pick_port()
{
    _n=0
    while [ $_n -lt 200 ]; do
        _p=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000 ))
        _n=$((_n + 1))
        case " $E2E_PORTS " in *" $_p "*) continue ;; esac
        port_busy "$_p" && continue
        E2E_PORTS="$E2E_PORTS $_p"
        eval "$1=$_p"
        return 0
    done
    fail "no free TCP port found"
}

# start_redis - a private redis-server on 127.0.0.1:$REDIS_PORT
#	No persistence; its files in $E2E_TMP/redis. Called again after
#	stop_redis, it starts an empty Redis on the same port.
start_redis()
{
    [ -n "$REDIS_PORT" ] || pick_port REDIS_PORT
    mkdir -p "$E2E_TMP/redis"
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
        --dir "$E2E_TMP/redis" --logfile "$E2E_TMP/redis/redis.log" \
        --daemonize no >/dev/null 2>&1 &
    E2E_PIDS="$E2E_PIDS $!"
    wait_for "$E2E_TIMEOUT" redis_ping \
        || { cat "$E2E_TMP/redis/redis.log"; fail "redis-server did not answer on port $REDIS_PORT"; }
    info "redis on 127.0.0.1:$REDIS_PORT"
}

# redis_ping - does our Redis answer PONG?
redis_ping()
{
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]
}

# start_sink - smtp-sink on 127.0.0.1:$SINK_PORT, one file per message in $SINK_DIR
#	It accepts everything; it runs as nobody, which owns SINK_DIR.
start_sink()
{
    pick_port SINK_PORT
    SINK_DIR=$E2E_TMP/delivered
    mkdir -p "$SINK_DIR"
    chown nobody "$SINK_DIR"
    smtp-sink -u nobody -d "$SINK_DIR/msg." "127.0.0.1:$SINK_PORT" 64 \
        >"$E2E_TMP/sink.out" 2>&1 &
    E2E_PIDS="$E2E_PIDS $!"
    wait_for "$E2E_TIMEOUT" port_listening "$SINK_PORT" \
        || fail "smtp-sink did not listen on port $SINK_PORT"
    info "smtp-sink on 127.0.0.1:$SINK_PORT"
}

# start_stack - Redis, smtp-sink, vigie-milter and Postfix, in that order
#	Arguments: vigie.conf settings for start_milter. Tests that need
#	main.cf changes call the start_* functions themselves.
start_stack()
{
    start_redis
    start_sink
    start_milter "$@"
    start_postfix
}

# milter_address - choose vigie-milter's socket if not chosen yet
#	Sets MILTER_LISTEN (libmilter form, for vigie.conf) and MILTER_PF
#	(Postfix form, for smtpd_milters): a random inet port by default.
milter_address()
{
    [ -n "$MILTER_LISTEN" ] && return 0
    pick_port _mport
    MILTER_LISTEN="inet:$_mport@127.0.0.1"
    MILTER_PF="inet:127.0.0.1:$_mport"
}

# start_postfix - a private Postfix on 127.0.0.1:$PF_PORT
#	Arguments: main.cf settings "name=value" applied last (postconf -e).
#	Every domain is relayed to smtp-sink (start_sink first); the
#	relay is open on purpose; SASL users alice and bob
#	($E2E_PASSWORD) live in a cyrus sasldb; 127.0.0.0/8 may use
#	XCLIENT; smtpd_milters points at vigie-milter (milter_address),
#	milter_default_action = tempfail unless overridden. Returns when
#	the 220 greeting is seen; on failure prints the maillog.
start_postfix()
{
    [ -n "$SINK_PORT" ] || fail "start_postfix: call start_sink first"
    milter_address
    pick_port PF_PORT
    # postfix-script wants everything under the config dir owned by
    # root: queue and data directories live beside it.
    PF_DIR=$E2E_TMP/postfix/etc
    PF_QUEUE=$E2E_TMP/postfix/queue
    PF_LOG=$E2E_TMP/postfix/maillog
    mkdir -p "$PF_DIR/sasl" "$PF_QUEUE" "$E2E_TMP/postfix/data"
    chown postfix "$E2E_TMP/postfix/data"
    postfix_sasldb
    postfix_main_cf >"$PF_DIR/main.cf"
    postfix_master_cf >"$PF_DIR/master.cf"
    if [ $# -gt 0 ]; then
        postconf -c "$PF_DIR" -e "$@" || fail "start_postfix: postconf -e $*"
    fi
    postfix_cmd start || fail "postfix start failed"
    PF_RUNNING=1
    wait_for "$E2E_TIMEOUT" postfix_greets || fail "Postfix gave no 220 greeting on port $PF_PORT"
    info "postfix on 127.0.0.1:$PF_PORT (config $PF_DIR)"
}

# postfix_cmd - run "postfix -c PF_DIR $@"; on failure show its messages
#	postfix(1) writes errors to stderr only when that is a terminal,
#	hence script(1) to give it one.
postfix_cmd()
{
    script -qec "postfix -c '$PF_DIR' $*" /dev/null >"$E2E_TMP/postfix-cmd.out" 2>&1 \
        && return 0
    cat "$E2E_TMP/postfix-cmd.out"
    return 1
}

# postfix_sasldb - SASL users alice and bob in realm test.example, readable by smtpd
#	smtpd_sasl_local_domain = test.example, so the logins Postfix
#	reports are alice@test.example and bob@test.example.
postfix_sasldb()
{
    for _user in alice bob; do
        printf '%s' "$E2E_PASSWORD" \
            | saslpasswd2 -p -c -f "$PF_DIR/sasl/sasldb2" -u test.example "$_user" \
            || fail "saslpasswd2 $_user"
    done
    chown root:postfix "$PF_DIR/sasl/sasldb2"
    chmod 0640 "$PF_DIR/sasl/sasldb2"
    cat >"$PF_DIR/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $PF_DIR/sasl/sasldb2
mech_list: PLAIN LOGIN
EOF
}

# postfix_main_cf - print the test instance's main.cf
postfix_main_cf()
{
    cat <<EOF
# Private Postfix instance for one vigie end-to-end test.
compatibility_level = 3.6
queue_directory = $PF_QUEUE
data_directory = $E2E_TMP/postfix/data
maillog_file = $PF_LOG
maillog_file_prefixes = $E2E_TMP/postfix
syslog_name = postfix-e2e
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.test.example
mydomain = test.example
myorigin = test.example
mydestination =
relay_domains = test.example
relay_recipient_maps =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
biff = no
smtputf8_enable = no
smtpd_peername_lookup = no
# Clients really connect from 127.0.0.1: do not complete or rewrite their
# headers (Date, Message-ID, From@myorigin) as for local senders, so that
# vigie sees what a remote client sent.
local_header_rewrite_clients =
smtp_dns_support_level = disabled
smtp_tls_security_level = none
smtpd_tls_security_level = none
default_transport = smtp:[127.0.0.1]:$SINK_PORT
relay_transport = smtp:[127.0.0.1]:$SINK_PORT
# Open relay on purpose: only vigie stands between a client and the world.
smtpd_relay_restrictions = check_client_access static:OK, reject_unauth_destination
smtpd_recipient_restrictions =
smtpd_authorized_xclient_hosts = 127.0.0.0/8
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
smtpd_sasl_local_domain = test.example
cyrus_sasl_config_path = $PF_DIR/sasl
smtpd_milters = $MILTER_PF
milter_default_action = tempfail
milter_connect_timeout = 10s
EOF
}

# postfix_master_cf - print the test instance's master.cf (no chroot)
postfix_master_cf()
{
    cat <<EOF
127.0.0.1:$PF_PORT inet n - n - - smtpd
pickup     unix n - n 60 1 pickup
cleanup    unix n - n - 0 cleanup
qmgr       unix n - n 300 1 qmgr
rewrite    unix - - n - - trivial-rewrite
bounce     unix - - n - 0 bounce
defer      unix - - n - 0 bounce
trace      unix - - n - 0 bounce
verify     unix - - n - 1 verify
flush      unix n - n 1000? 0 flush
proxymap   unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp       unix - - n - - smtp
relay      unix - - n - - smtp
showq      unix n - n - - showq
error      unix - - n - - error
retry      unix - - n - - error
discard    unix - - n - - discard
local      unix - n n - - local
virtual    unix - n n - - virtual
lmtp       unix - - n - - lmtp
anvil      unix - - n - 1 anvil
scache     unix - - n - 1 scache
postlog    unix-dgram n - n - 1 postlogd
EOF
}

# postfix_greets - does our Postfix answer 220 on PF_PORT?
postfix_greets()
{
    swaks --server 127.0.0.1 --port "$PF_PORT" --quit-after CONNECT --timeout 5 \
        2>/dev/null | grep -q '^<-  220 '
}

# postfix_conf - change main.cf settings "name=value" and reload Postfix
postfix_conf()
{
    postconf -c "$PF_DIR" -e "$@" || fail "postconf -e $*"
    postfix_cmd reload || fail "postfix reload failed"
    # smtpd processes that predate the reload finish their session first.
    sleep 1
    wait_for "$E2E_TIMEOUT" postfix_greets || fail "Postfix gave no 220 greeting after reload"
}

# stop_postfix - stop our Postfix and wait until none of its processes is left
#	Its processes are those whose working directory is our queue.
stop_postfix()
{
    postfix -c "$PF_DIR" stop >/dev/null 2>&1
    PF_RUNNING=0
    wait_for 10 postfix_gone && return 0
    for _pid in $(postfix_pids); do
        kill -KILL "$_pid" 2>/dev/null
    done
    return 0
}

# postfix_pids - PIDs of the processes of our Postfix instance
postfix_pids()
{
    for _proc in /proc/[0-9]*; do
        [ "$(readlink "$_proc/cwd" 2>/dev/null)" = "$PF_QUEUE" ] && echo "${_proc#/proc/}"
    done
}

# postfix_gone - is no process of our Postfix instance left?
postfix_gone()
{
    [ -z "$(postfix_pids)" ]
}

# write_rules - the rules file for the next start_milter/reload_milter, from stdin
write_rules()
{
    cat >"$E2E_TMP/vigie.rules" || fail "write_rules"
}

# write_dns_zone - the records vigie's DNS lookups see, from stdin
#	"NAME TYPE DATA" lines (see dns_zone_file in vigie.conf(5)); names
#	not listed do not exist. Without it the zone is empty.
write_dns_zone()
{
    cat >"$E2E_TMP/dns.zone" || fail "write_dns_zone"
}

# write_loginmap - a sender_login_maps file from stdin; prints nothing
#	Use with start_milter sender_login_maps="$E2E_TMP/logins".
write_loginmap()
{
    cat >"$E2E_TMP/logins" || fail "write_loginmap"
}

# milter_conf - print vigie.conf: harness defaults, then "key=value" arguments
#	A key given as an argument replaces its default. The defaults
#	describe the test's surroundings: sockets, files and the Redis in
#	the temp dir, root (user =), the private Postfix's local domain
#	test.example; trusted_networks is a documentation network so that
#	loopback clients are not trusted; DNS answers come from
#	$E2E_TMP/dns.zone (see write_dns_zone), so no test waits for a
#	name server. Without E2E_CONF_BASE, the
#	rules file is $E2E_TMP/vigie.rules. When E2E_CONF_BASE names a
#	file (the shipped vigie.conf), its lines are kept except those
#	setting a key set here, so its other settings stay in force.
#	Creates empty rules and zone files when the test wrote none.
milter_conf()
{
    milter_address
    [ -f "$E2E_TMP/vigie.rules" ] || : >"$E2E_TMP/vigie.rules"
    [ -f "$E2E_TMP/dns.zone" ] || : >"$E2E_TMP/dns.zone"
    {
        echo "milter_socket=$MILTER_LISTEN"
        echo "policy_socket=unix:$E2E_TMP/policy.sock"
        echo "user="
        echo "pid_file=$E2E_TMP/vigie-milter.pid"
        echo "log_file=$E2E_TMP/vigie.log"
        echo "local_domains=test.example"
        echo "trusted_networks=192.0.2.0/24"
        echo "dns_zone_file=$E2E_TMP/dns.zone"
        [ -n "$REDIS_PORT" ] && echo "redis_address=127.0.0.1:$REDIS_PORT"
        [ -z "${E2E_CONF_BASE:-}" ] && echo "rules_file=$E2E_TMP/vigie.rules"
        for _kv in "$@"; do
            echo "$_kv"
        done
    } >"$E2E_TMP/conf.kv"
    # Last value of each key wins; keep first-seen order.
    awk -F= '{ k = $1; v = substr($0, length(k) + 2)
               if (!(k in val)) order[n++] = k; val[k] = v }
             END { for (i = 0; i < n; i++) {
                       v = val[order[i]]
                       print order[i] (v == "" ? " =" : " = " v) } }' "$E2E_TMP/conf.kv" >"$E2E_TMP/conf.set"
    if [ -n "${E2E_CONF_BASE:-}" ]; then
        echo "# $E2E_CONF_BASE, without the keys set at the end"
        awk 'NR == FNR { set[$1] = 1; next }
             { line = $0; sub(/^[ \t]+/, "", line); split(line, w, /[ \t=]/)
               if (!(w[1] in set)) print }' "$E2E_TMP/conf.set" "$E2E_CONF_BASE"
        echo "# set by the test harness"
    fi
    cat "$E2E_TMP/conf.set"
}

# start_milter - write vigie.conf and start vigie-milter in the foreground (&)
#	Arguments: vigie.conf settings "key=value" (see milter_conf).
#	When no rules were written, an empty rules file is used. To use a
#	unix socket, pass milter_socket=unix:PATH before start_postfix.
#	Returns when the socket accepts connections; fails if the daemon
#	exits first.
start_milter()
{
    [ -x "$VIGIE_BUILD/vigie-milter" ] || fail "no $VIGIE_BUILD/vigie-milter (make all)"
    for _kv in "$@"; do
        case $_kv in
            milter_socket=*) MILTER_LISTEN=${_kv#milter_socket=} ;;
        esac
    done
    case $MILTER_LISTEN in
        unix:*) MILTER_PF=$MILTER_LISTEN ;;
        local:*) MILTER_PF=unix:${MILTER_LISTEN#local:} ;;
    esac
    MILTER_CONF=$E2E_TMP/vigie.conf
    MILTER_LOG=$E2E_TMP/vigie.log
    milter_conf "$@" >"$MILTER_CONF"
    "$VIGIE_BUILD/vigie-milter" -c "$MILTER_CONF" >>"$E2E_TMP/vigie-milter.out" 2>&1 &
    MILTER_PID=$!
    wait_for "$E2E_TIMEOUT" milter_ready \
        || { cat "$MILTER_CONF"; fail "vigie-milter did not open $MILTER_LISTEN"; }
    info "vigie-milter (pid $MILTER_PID) on $MILTER_LISTEN"
}

# daemon_alive PID NAME - fails fast, with the daemons' output, when PID has died
daemon_alive()
{
    kill -0 "$1" 2>/dev/null \
        || { cat "$E2E_TMP/vigie-milter.out" >&2; fail "$2 exited during start-up"; }
}

# milter_ready - is the milter socket open? fails fast if the daemon died
milter_ready()
{
    daemon_alive "$MILTER_PID" vigie-milter
    case $MILTER_LISTEN in
        inet:*)
            _mport=${MILTER_LISTEN#inet:}
            port_listening "${_mport%@*}"
            ;;
        unix:* | local:*)
            test -S "${MILTER_LISTEN#*:}"
            ;;
    esac
}

# e2e_detach - leave everything running when the script exits
#	Disarms the cleanup trap and writes $E2E_TMP/stop.sh, which stops
#	what was started and removes the temp dir. Prints how to run it.
e2e_detach()
{
    {
        echo "#!/bin/sh"
        echo "# Stops what $(basename "$0") left running, then removes $E2E_TMP."
        echo "pids='$MILTER_PID $E2E_PIDS'"
        echo "kill \$pids 2>/dev/null"
        [ "$PF_RUNNING" = 1 ] && echo "postfix -c '$PF_DIR' stop"
        echo "for pid in \$pids; do"
        echo "    n=0; while kill -0 \$pid 2>/dev/null && [ \$n -lt 100 ]; do sleep 0.1; n=\$((n + 1)); done"
        echo "done"
        echo "sleep 1"
        echo "rm -rf '$E2E_TMP'"
    } >"$E2E_TMP/stop.sh"
    trap - EXIT HUP INT PIPE TERM
    echo "Left running (files in $E2E_TMP). To stop everything:"
    echo "    sh $E2E_TMP/stop.sh"
}

# reload_milter - SIGHUP vigie-milter and wait until it has logged the outcome
#	Waits for a new log line "reloaded ..." or "reload failed: ...".
reload_milter()
{
    _before=$(log_lines)
    kill -HUP "$MILTER_PID" || fail "vigie-milter is not running"
    wait_for "$E2E_TIMEOUT" milter_reloaded "$_before" \
        || fail "vigie-milter logged nothing about a reload"
}

# log_lines - number of lines in vigie-milter's log
log_lines()
{
    if [ -f "$MILTER_LOG" ]; then wc -l <"$MILTER_LOG"; else echo 0; fi
}

# milter_reloaded - has the outcome of a reload been logged after line $1?
milter_reloaded()
{
    tail -n +"$(($1 + 1))" "$MILTER_LOG" 2>/dev/null | grep -Eq ': (reloaded|reload failed)'
}

# stop_milter - TERM vigie-milter and wait for it to exit
stop_milter()
{
    stop_pid "$MILTER_PID"
    MILTER_PID=""
}

# send_mail - one SMTP transaction with swaks against our Postfix
#	Arguments: swaks options, after the defaults (EHLO
#	client.remote.example, from sender@remote.example, to
#	user@test.example); a later option wins. Each message carries a
#	header "X-E2E-Id: N" (N in E2E_MSG_ID). Sets E2E_REPLY to the
#	first error reply, else the reply to the end of data ("250 2.0.0
#	Ok: queued as ..."), and E2E_QUEUE_ID. The transcript is in
#	$E2E_TMP/swaks.N. Never fails itself: assert with expect_*.
send_mail()
{
    E2E_SENT=$((E2E_SENT + 1))
    E2E_MSG_ID=$E2E_SENT
    E2E_SWAKS=$E2E_TMP/swaks.$E2E_SENT
    swaks --server 127.0.0.1 --port "$PF_PORT" --timeout 60 \
        --ehlo client.remote.example --from sender@remote.example --to user@test.example \
        --add-header "X-E2E-Id: $E2E_MSG_ID" "$@" >"$E2E_SWAKS" 2>&1
    E2E_REPLY=$(grep -m 1 '^<\*\* ' "$E2E_SWAKS" | cut -c 5- | sed 's/^\([0-9][0-9][0-9]\)-/\1 /')
    [ -n "$E2E_REPLY" ] || E2E_REPLY=$(grep -m 1 'queued as' "$E2E_SWAKS" | cut -c 5-)
    [ -n "$E2E_REPLY" ] || E2E_REPLY="no reply ($(grep -m 1 '^\*\*\*' "$E2E_SWAKS"))"
    E2E_QUEUE_ID=$(echo "$E2E_REPLY" | sed -n 's/.*queued as \([0-9A-Za-z]*\).*/\1/p')
    info "sent #$E2E_MSG_ID: $E2E_REPLY"
}

# expect_smtp_code - the last send_mail ended with reply code $1 (and enhanced code $2)
expect_smtp_code()
{
    _got_code=$(echo "$E2E_REPLY" | awk '{ print $1 }')
    _got_enh=$(echo "$E2E_REPLY" | awk '{ print $2 }')
    if [ "$_got_code" != "$1" ] || { [ -n "${2:-}" ] && [ "$_got_enh" != "$2" ]; }; then
        cat "$E2E_SWAKS"
        fail "message #$E2E_MSG_ID: expected reply $1 ${2:-}, got: $E2E_REPLY"
    fi
}

# expect_refused_at - the first error reply of the last send_mail answered command $1
#	$1: MAIL, RCPT, DATA (the reply after DATA), "." (end of data).
expect_refused_at()
{
    _cmd=$(awk '/^ -> / { last = $2 } /^<\*\* / { print last; exit }' "$E2E_SWAKS")
    case $_cmd in
        "$1"*) return 0 ;;
    esac
    cat "$E2E_SWAKS"
    fail "message #$E2E_MSG_ID: expected a refusal at $1, got one after '${_cmd:-nothing}'"
}

# expect_reply_text - the last reply contains the extended regex $1
expect_reply_text()
{
    echo "$E2E_REPLY" | grep -Eq -- "$1" \
        || fail "message #$E2E_MSG_ID: reply does not match /$1/: $E2E_REPLY"
}

# queue_count - number of messages in Postfix queue directory $1 (incoming, hold, ...)
queue_count()
{
    find "$PF_QUEUE/$1" -type f 2>/dev/null | wc -l
}

# queue_settled - nothing left in Postfix's maildrop, incoming or active queue?
queue_settled()
{
    [ "$(queue_count maildrop)" -eq 0 ] && [ "$(queue_count incoming)" -eq 0 ] \
        && [ "$(queue_count active)" -eq 0 ]
}

# delivered_count - number of messages smtp-sink has received
delivered_count()
{
    find "$SINK_DIR" -type f | wc -l
}

# expect_delivered_count - once Postfix's queue has settled, smtp-sink has exactly $1 messages
expect_delivered_count()
{
    wait_for "$E2E_TIMEOUT" queue_settled || fail "Postfix's queue did not empty"
    _n=$(delivered_count)
    if [ "$_n" -ne "$1" ]; then
        tail -n 20 "$PF_LOG"
        fail "expected $1 delivered message(s), smtp-sink has $_n"
    fi
}

# expect_held_count - Postfix's hold queue has exactly $1 messages
expect_held_count()
{
    wait_for "$E2E_TIMEOUT" queue_settled || fail "Postfix's queue did not empty"
    _n=$(queue_count hold)
    [ "$_n" -eq "$1" ] || fail "expected $1 held message(s), the hold queue has $_n"
}

# delivered_file - the file smtp-sink wrote for message $1 (default: the last sent)
delivered_file()
{
    grep -l -x "X-E2E-Id: ${1:-$E2E_MSG_ID}" "$SINK_DIR"/* 2>/dev/null | head -n 1
}

# delivered_headers - the header section of delivered message $1, unfolded
#	smtp-sink's own lines (X-Client-Addr, ...) come first.
delivered_headers()
{
    _file=$(delivered_file "${1:-}")
    [ -n "$_file" ] || return 1
    tr -d '\r' <"$_file" | awk '/^$/ { exit }
        /^[ \t]/ { sub(/^[ \t]+/, " "); line = line $0; next }
        { if (line != "") print line; line = $0 }
        END { if (line != "") print line }'
}

# expect_header_in_delivered - a header of delivered message $2 (default: last) matches $1
#	$1: an extended regex matched against unfolded "Name: value" lines.
expect_header_in_delivered()
{
    wait_for "$E2E_TIMEOUT" queue_settled || fail "Postfix's queue did not empty"
    delivered_headers "${2:-}" >"$E2E_TMP/headers" \
        || fail "message #${2:-$E2E_MSG_ID} was not delivered"
    grep -Eq -- "$1" "$E2E_TMP/headers" \
        || { cat "$E2E_TMP/headers"; fail "no header of message #${2:-$E2E_MSG_ID} matches /$1/"; }
}

# expect_no_header_in_delivered - no header of delivered message $2 (default: last) matches $1
expect_no_header_in_delivered()
{
    wait_for "$E2E_TIMEOUT" queue_settled || fail "Postfix's queue did not empty"
    delivered_headers "${2:-}" >"$E2E_TMP/headers" \
        || fail "message #${2:-$E2E_MSG_ID} was not delivered"
    if grep -Eq -- "$1" "$E2E_TMP/headers"; then
        cat "$E2E_TMP/headers"
        fail "a header of message #${2:-$E2E_MSG_ID} matches /$1/"
    fi
}

# expect_log_line - within E2E_TIMEOUT, a line of vigie-milter's log matches regex $1
expect_log_line()
{
    wait_for "$E2E_TIMEOUT" grep -Eq -- "$1" "$MILTER_LOG" \
        || fail "no line of $MILTER_LOG matches /$1/"
}

# log_line - print the last line of vigie-milter's log matching regex $1
log_line()
{
    grep -E -- "$1" "$MILTER_LOG" | tail -n 1
}

# expect_maillog_line - within E2E_TIMEOUT, a line of Postfix's maillog matches regex $1
expect_maillog_line()
{
    wait_for "$E2E_TIMEOUT" grep -Eq -- "$1" "$PF_LOG" \
        || fail "no line of the Postfix maillog matches /$1/"
}

# expect_status - command "$@" exits with status $1 (output kept in $E2E_TMP/cmd.out)
#	Usage: expect_status 0 "$VIGIE_BUILD/vigiectl" check -c FILE
expect_status()
{
    _want=$1
    shift
    "$@" >"$E2E_TMP/cmd.out" 2>&1
    _st=$?
    if [ "$_st" -ne "$_want" ]; then
        cat "$E2E_TMP/cmd.out"
        fail "$*: exit status $_st, expected $_want"
    fi
}

# expect_output - the output of the last expect_status matches extended regex $1
expect_output()
{
    grep -Eq -- "$1" "$E2E_TMP/cmd.out" \
        || { cat "$E2E_TMP/cmd.out"; fail "output does not match /$1/"; }
}

# dkim_test_key - a DKIM key for domain $1 and selector $2, made by vigiectl dkim-keygen
#	The private key goes to $E2E_TMP/dkim/$1/$2.private; its line is
#	appended to $E2E_TMP/signing.table and its public key, as a line
#	of libopendkim's key file, to $E2E_TMP/dkim.keys. Use with
#	start_milter dkim_signing_table="$E2E_TMP/signing.table"
#	dkim_key_file="$E2E_TMP/dkim.keys".
dkim_test_key()
{
    local dir out
    dir=$E2E_TMP/dkim/$1
    out=$dir/$2.dns
    mkdir -p "$dir"
    "$VIGIE_BUILD/vigiectl" dkim-keygen "$1" "$2" -d "$dir" -b 1024 >"$out" \
        || fail "vigiectl dkim-keygen $1 $2"
    sed -n 's/^; signing table line: //p' "$out" >>"$E2E_TMP/signing.table"
    printf '%s._domainkey.%s %s\n' "$2" "$1" \
        "$(grep -v '^;' "$out" | grep -o '"[^"]*"' | tr -d '"\n')" >>"$E2E_TMP/dkim.keys"
}

# stop_redis - shut our Redis down (no save); start_redis brings it back
#	Returns when its port is closed.
stop_redis()
{
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1
    wait_for "$E2E_TIMEOUT" redis_stopped || fail "redis-server on port $REDIS_PORT did not stop"
    info "redis on 127.0.0.1:$REDIS_PORT stopped"
}

# redis_stopped - is nothing listening on Redis's port any more?
redis_stopped()
{
    ! port_listening "$REDIS_PORT"
}

# ------------------------------------------------------------- vigie-policyd

# start_policyd - write its vigie.conf and start vigie-policyd in the foreground (&)
#	Arguments: vigie.conf settings "key=value" (see milter_conf, whose
#	defaults it shares). It listens on unix:$E2E_TMP/policy.sock,
#	owned by group postfix so that smtpd reaches it, and logs to
#	$E2E_TMP/vigie.log with vigie-milter. Sets POLICYD_PID and
#	POLICYD_CONF; the cleanup trap stops it. Returns when the socket
#	exists; fails if the daemon exits first.
start_policyd()
{
    [ -x "$VIGIE_BUILD/vigie-policyd" ] || fail "no $VIGIE_BUILD/vigie-policyd (make all)"
    POLICYD_CONF=$E2E_TMP/policyd.conf
    MILTER_LOG=$E2E_TMP/vigie.log
    milter_conf "policy_socket=unix:$E2E_TMP/policy.sock" policy_socket_group=postfix \
        "pid_file=$E2E_TMP/vigie-policyd.pid" "$@" >"$POLICYD_CONF"
    "$VIGIE_BUILD/vigie-policyd" -c "$POLICYD_CONF" >>"$E2E_TMP/vigie-milter.out" 2>&1 &
    POLICYD_PID=$!
    E2E_PIDS="$E2E_PIDS $POLICYD_PID"
    wait_for "$E2E_TIMEOUT" policyd_ready \
        || { cat "$POLICYD_CONF"; fail "vigie-policyd did not open $E2E_TMP/policy.sock"; }
    info "vigie-policyd (pid $POLICYD_PID) on unix:$E2E_TMP/policy.sock"
}

# policyd_ready - is the policy socket there? fails fast if the daemon died
policyd_ready()
{
    daemon_alive "$POLICYD_PID" vigie-policyd
    test -S "$E2E_TMP/policy.sock"
}

# stop_policyd - TERM vigie-policyd and wait for it to exit
stop_policyd()
{
    stop_pid "$POLICYD_PID"
    POLICYD_PID=""
}

# start_postfix_policy - start_postfix with vigie-policyd plugged in
#	Placed as POSTFIX-NOTES.md says: check_policy_service in
#	smtpd_recipient_restrictions (no permit_sasl_authenticated ahead
#	of it: authenticated mail must reach the policy service) and in
#	smtpd_end_of_data_restrictions, default_action=DUNNO. Arguments:
#	more main.cf settings, as start_postfix (smtpd_milters= to run
#	without vigie-milter).
start_postfix_policy()
{
    _svc="check_policy_service { unix:$E2E_TMP/policy.sock, default_action=DUNNO }"
    start_postfix "smtpd_recipient_restrictions=$_svc" "smtpd_end_of_data_restrictions=$_svc" "$@"
}

# expect_no_data_sent - the last send_mail never got to send DATA
expect_no_data_sent()
{
    if grep -q '^ -> DATA' "$E2E_SWAKS"; then
        cat "$E2E_SWAKS"
        fail "message #$E2E_MSG_ID: DATA was sent"
    fi
}
