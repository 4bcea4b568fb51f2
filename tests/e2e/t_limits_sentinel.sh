#!/bin/sh
# t_limits_sentinel - Redis Sentinel: the master is killed mid-traffic
#	vigie-milter knows only the sentinel (redis_sentinels). alice
#	may send 8 messages per 10 minutes and sends 4; then the master
#	is killed (SIGKILL). Messages sent during the fail-over pass
#	unchecked (fail_policy = accept): none is lost. Once the sentinel
#	has promoted the replica, vigie-milter follows it without a
#	restart, with the counts made before the kill: exactly 4 more
#	messages pass, the next one gets the limit's 451.
. "$(dirname "$0")/lib.sh"
e2e_begin "Sentinel fail-over under traffic: no mail lost, limits keep counting"

MASTER=vigiemaster

# start_replica - a redis-server replicating ours, on REPLICA_PORT
start_replica()
{
    pick_port REPLICA_PORT
    mkdir -p "$E2E_TMP/replica"
    redis-server --bind 127.0.0.1 --port "$REPLICA_PORT" --save '' --appendonly no \
        --dir "$E2E_TMP/replica" --logfile "$E2E_TMP/replica/redis.log" \
        --replicaof 127.0.0.1 "$REDIS_PORT" --daemonize no >/dev/null 2>&1 &
    E2E_PIDS="$E2E_PIDS $!"
    wait_for "$E2E_TIMEOUT" replica_linked || fail "the replica did not sync with the master"
    info "replica on 127.0.0.1:$REPLICA_PORT"
}

# replica_linked - is the replica in sync with the master?
replica_linked()
{
    redis-cli -p "$REPLICA_PORT" info replication 2>/dev/null | grep -q 'master_link_status:up'
}

# start_sentinel - one sentinel watching the master (down after 500 ms), on SENTINEL_PORT
start_sentinel()
{
    pick_port SENTINEL_PORT
    mkdir -p "$E2E_TMP/sentinel"
    cat >"$E2E_TMP/sentinel/sentinel.conf" <<CONF
port $SENTINEL_PORT
bind 127.0.0.1
dir $E2E_TMP/sentinel
logfile $E2E_TMP/sentinel/sentinel.log
sentinel monitor $MASTER 127.0.0.1 $REDIS_PORT 1
sentinel down-after-milliseconds $MASTER 500
sentinel failover-timeout $MASTER 3000
CONF
    redis-server "$E2E_TMP/sentinel/sentinel.conf" --sentinel >/dev/null 2>&1 &
    E2E_PIDS="$E2E_PIDS $!"
    wait_for "$E2E_TIMEOUT" sentinel_knows_replica || fail "the sentinel did not find the replica"
    info "sentinel on 127.0.0.1:$SENTINEL_PORT"
}

# sentinel_knows_replica - has the sentinel discovered the replica?
sentinel_knows_replica()
{
    redis-cli -p "$SENTINEL_PORT" sentinel replicas "$MASTER" 2>/dev/null | grep -qx "$REPLICA_PORT"
}

# promoted - does the sentinel name the replica as the master?
promoted()
{
    redis-cli -p "$SENTINEL_PORT" sentinel get-master-addr-by-name "$MASTER" 2>/dev/null \
        | grep -qx "$REPLICA_PORT"
}

write_rules <<'RULES'
limit e2e_user
    key sasl_user
    max 8 per 10m
RULES
start_redis
start_replica
start_sentinel
start_sink
# Bayes off: what is seen here is the rate limits' handling of the fail-over.
start_milter bayes_enable=no "redis_sentinels=127.0.0.1:$SENTINEL_PORT" \
    "redis_sentinel_master=$MASTER"
start_postfix

info "4 messages through the master"
for i in 1 2 3 4; do
    send_mail $AUTH_ALICE --from alice@test.example
    expect_smtp_code 250
done
[ "$(redis-cli -p "$REDIS_PORT" wait 1 5000)" = 1 ] || fail "the replica did not get the counts"
master_pid=$(redis-cli -p "$REDIS_PORT" info server | tr -d '\r' | sed -n 's/^process_id://p')
[ -n "$master_pid" ] || fail "no master pid"

info "the master is killed; mail keeps flowing during the fail-over"
kill -KILL "$master_pid"
sent=4
tries=0
until promoted; do
    send_mail $AUTH_ALICE --from alice@test.example
    expect_smtp_code 250
    sent=$((sent + 1))
    tries=$((tries + 1))
    [ $tries -lt 60 ] || fail "the sentinel promoted no replica"
done
info "promoted after $((sent - 4)) message(s) sent during the fail-over"
expect_delivered_count $sent
unchecked=$(grep -c 'limits=unavailable' "$MILTER_LOG")
# Each worker thread retries a failed connect once a second at most.
sleep 1.2

info "the limit counts on from 4 on the new master"
for i in 5 6 7 8; do
    send_mail $AUTH_ALICE --from alice@test.example
    expect_smtp_code 250
done
send_mail $AUTH_ALICE --from alice@test.example
expect_smtp_code 451 4.7.1
expect_delivered_count $((sent + 4))
[ "$(grep -c 'limits=unavailable' "$MILTER_LOG")" -eq "$unchecked" ] \
    || fail "messages after the fail-over were not checked"
n=$(grep -c 'warning: rate limits unavailable' "$MILTER_LOG")
[ "$n" -le 1 ] || fail "expected at most one warning for the outage, found $n"
e2e_end
