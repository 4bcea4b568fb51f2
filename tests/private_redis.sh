# NAME
#	private_redis.sh - a throw-away redis-server for one script
# SYNOPSIS
#	. tests/private_redis.sh
#	private_redis_start DIR || exit 1    # sets REDIS_SOCK and REDIS_PID
#	...
#	private_redis_stop                   # from the script's cleanup trap
# DESCRIPTION
#	Used by make eval and the Bayes bench, which need a Redis of their
#	own and nothing else of the end-to-end harness. The server listens
#	on the unix socket DIR/redis.sock only (no TCP port, so no clash
#	with anything else on the machine), keeps nothing on disk and logs
#	to DIR/redis.log. private_redis_start waits up to 5 s for it to
#	answer and, when it does not, prints its log on stderr and fails.

REDIS_PID=
REDIS_SOCK=

# private_redis_start DIR - start the server; 0 when it answers PING
private_redis_start()
{
    REDIS_SOCK=$1/redis.sock
    redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 --dir "$1" \
        --save "" --appendonly no --logfile "$1/redis.log" &
    REDIS_PID=$!
    for _ in $(seq 50); do
        redis-cli -s "$REDIS_SOCK" ping >/dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "redis-server did not start; its log:" >&2
    cat "$1/redis.log" >&2
    return 1
}

# private_redis_stop - stop the server if it was started
private_redis_stop()
{
    if [ -n "$REDIS_PID" ]; then
        kill "$REDIS_PID" 2>/dev/null
        wait "$REDIS_PID" 2>/dev/null
        REDIS_PID=
    fi
}
