#!/bin/sh
# NAME
#	bayes.sh - speed and Redis memory of vigie's Bayes, beside bogofilter's
# SYNOPSIS
#	sh tests/bench/bayes.sh BUILD [TRAIN [TEST]]
# DESCRIPTION
#	On a private redis-server (a unix socket and files in a temp
#	directory), BUILD/vigiectl learns TRAIN (default
#	../shared/corpus/train) then classifies TEST (default
#	../shared/corpus/test) BENCH_ROUNDS times (default 3), one
#	process, one message at a time: tokenize, one Redis round trip,
#	combine. It prints:
#	- learning and classification messages/s (wall clock), and the CPU
#	  seconds per 1000 messages of vigiectl and of redis-server (from
#	  INFO cpu), since both run on the same host here; between the two,
#	  one pass of "learn --on-error" over TRAIN (train on error: each
#	  message classified, the few it gets wrong learnt again), timed
#	  the same way;
#	- Redis memory per token: INFO used_memory growth and the average
#	  MEMORY USAGE of token keys, over the number of token keys;
#	- when bogofilter is installed, the same for bogofilter on the same
#	  files: registration with -B, classification in batch mode (-b).
#	The figures are printed, never judged. Everything started is
#	stopped and the temp directory removed. Exit 1 when something
#	failed to run.

set -u

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
    echo "usage: $0 BUILD [TRAIN [TEST]]" >&2
    exit 2
fi
build=$1
train=${2:-../shared/corpus/train}
test=${3:-../shared/corpus/test}
rounds=${BENCH_ROUNDS:-3}
vigiectl=$build/vigiectl

[ -x "$vigiectl" ] || { echo "bench: $vigiectl not built" >&2; exit 1; }
command -v redis-server >/dev/null 2>&1 || { echo "bench: redis-server is not installed" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigie-bench.XXXXXX") || exit 1
. "$(dirname "$0")/../private_redis.sh"
cleanup() {
    private_redis_stop
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

private_redis_start "$tmp" || exit 1
redis() {
    redis-cli -s "$REDIS_SOCK" "$@"
}
cat >"$tmp/vigie.conf" <<EOF
redis_address = unix:$REDIS_SOCK
redis_prefix = bench:
local_domains = example.org
trusted_networks = 127.0.0.0/8
EOF

# timed FILE CMD... - run CMD, append "wall user+sys" (seconds) to FILE
timed() {
    out=$1
    shift
    /usr/bin/time -a -o "$out" -f "%e %U %S" "$@" >/dev/null || return 1
}

# redis_cpu - seconds of CPU redis-server has used so far
redis_cpu() {
    redis info cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ { s += $2 } END { printf "%.3f\n", s }'
}

# redis_memory - used_memory in bytes
redis_memory() {
    redis info memory | tr -d '\r' | awk -F: '/^used_memory:/ { print $2 }'
}

# rate COUNT TIMES_FILE - "msgs/s  client-cpu-ms/msg" from the summed times
rate() {
    awk -v n="$1" '{ wall += $1; cpu += $2 + $3 }
        END { printf "%8.0f msgs/s   %6.3f ms CPU/msg", n / wall, 1000 * cpu / n }' "$2"
}

ntrain=$(find "$train/spam" "$train/ham" -type f | wc -l)
ntest=$(find "$test/spam" "$test/ham" -type f | wc -l)
echo "bench: learn $ntrain messages of $train, classify $ntest messages of $test x $rounds"

mem0=$(redis_memory)
cpu0=$(redis_cpu)
timed "$tmp/learn.t" "$vigiectl" learn -q -c "$tmp/vigie.conf" spam "$train/spam" || exit 1
timed "$tmp/learn.t" "$vigiectl" learn -q -c "$tmp/vigie.conf" ham "$train/ham" || exit 1
cpu1=$(redis_cpu)
mem1=$(redis_memory)
timed "$tmp/on-error.t" "$vigiectl" learn --on-error -q -c "$tmp/vigie.conf" spam "$train/spam" || exit 1
timed "$tmp/on-error.t" "$vigiectl" learn --on-error -q -c "$tmp/vigie.conf" ham "$train/ham" || exit 1
cpu_on_error=$(redis_cpu)
for _ in $(seq "$rounds"); do
    timed "$tmp/classify.t" "$vigiectl" classify -c "$tmp/vigie.conf" "$test/ham" "$test/spam" || exit 1
done
cpu2=$(redis_cpu)

tokens=$(redis --scan --pattern 'bench:t:*' | wc -l)
expiring=$(redis info keyspace | tr -d '\r' | sed -n 's/.*expires=\([0-9]*\).*/\1/p')
sample=$(redis --scan --pattern 'bench:t:*' | head -1000 |
         while read -r key; do redis memory usage "$key"; done |
         awk '{ s += $1; n++ } END { printf "%.1f", n ? s / n : 0 }')

echo "vigie learn:      $(rate "$ntrain" "$tmp/learn.t")  + redis-server $(awk -v a="$cpu0" -v b="$cpu1" -v n="$ntrain" 'BEGIN { printf "%.3f", 1000 * (b - a) / n }') ms CPU/msg"
echo "vigie on-error:   $(rate "$ntrain" "$tmp/on-error.t")  + redis-server $(awk -v a="$cpu1" -v b="$cpu_on_error" -v n="$ntrain" 'BEGIN { printf "%.3f", 1000 * (b - a) / n }') ms CPU/msg"
echo "vigie classify:   $(rate $((ntest * rounds)) "$tmp/classify.t")  + redis-server $(awk -v a="$cpu_on_error" -v b="$cpu2" -v n=$((ntest * rounds)) 'BEGIN { printf "%.3f", 1000 * (b - a) / n }') ms CPU/msg"
echo "redis memory:     $tokens token keys ($expiring with a TTL); used_memory grew $((mem1 - mem0)) bytes:" \
     "$(awk -v m=$((mem1 - mem0)) -v t="$tokens" 'BEGIN { printf "%.1f", t ? m / t : 0 }') bytes/token;" \
     "MEMORY USAGE $sample bytes/token key (average of up to 1000)"

if command -v bogofilter >/dev/null 2>&1; then
    mkdir "$tmp/bogofilter"
    find "$train/spam" -type f >"$tmp/train-spam.list"
    find "$train/ham" -type f >"$tmp/train-ham.list"
    find "$test/ham" "$test/spam" -type f >"$tmp/test.list"
    timed "$tmp/bogo-learn.t" xargs -a "$tmp/train-spam.list" bogofilter -d "$tmp/bogofilter" -s -B || exit 1
    timed "$tmp/bogo-learn.t" xargs -a "$tmp/train-ham.list" bogofilter -d "$tmp/bogofilter" -n -B || exit 1
    for _ in $(seq "$rounds"); do
        timed "$tmp/bogo-classify.t" bogofilter -d "$tmp/bogofilter" -T -v -b <"$tmp/test.list" || exit 1
    done
    echo "bogofilter learn: $(rate "$ntrain" "$tmp/bogo-learn.t")"
    echo "bogofilter batch: $(rate $((ntest * rounds)) "$tmp/bogo-classify.t")"
    echo "bogofilter words: $(du -k "$tmp/bogofilter" | tail -1 | cut -f1) KiB of Berkeley DB"
else
    echo "bogofilter is not installed: no comparison"
fi
