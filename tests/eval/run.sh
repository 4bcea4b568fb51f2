#!/bin/sh
# NAME
#	run.sh - accuracy of vigie's Bayes classifier (and bogofilter's) on a corpus
# SYNOPSIS
#	sh tests/eval/run.sh BUILD TRAIN TEST
# DESCRIPTION
#	TRAIN and TEST are directories holding ham/ and spam/, one message
#	per file. A private redis-server is started on a unix socket
#	with its files in a temporary directory; BUILD/vigiectl
#	learns TRAIN into it and trains it to exhaustion (two passes of
#	"learn --on-error" over each class, as vigiectl(8) advises), then
#	classifies every message of TEST at the shipped thresholds. The script prints the false positives (ham
#	called spam) by name, the counts and rates, and, when bogofilter
#	is installed, bogofilter's figures on the same split (its own
#	default cutoffs, a private word list). Its last line is exactly
#
#		eval: ham=N fp=N spam=N caught=N unsure=N
#
#	counted on TEST: N ham, of which fp called spam; N spam, of which
#	caught called spam; unsure messages of both classes.
#	Everything started is stopped and every temporary file removed on
#	exit. Exits 1 when something failed to run.
# ENVIRONMENT
#	EVAL_HEADER_TOKENS	none, basic or all: bayes_header_tokens for
#				this run (default: vigie.conf's default,
#				all). The corpus's ham comes mostly from a
#				few mailing lists, whose headers make the
#				task look easier than it is on real mail:
#				report the figures with none beside all.

set -u

if [ $# -ne 3 ]; then
    echo "usage: $0 BUILD TRAIN TEST" >&2
    exit 2
fi
build=$1
train=$2
test=$3
vigiectl=$build/vigiectl

for dir in "$train/ham" "$train/spam" "$test/ham" "$test/spam"; do
    if [ ! -d "$dir" ]; then
        echo "eval: no such directory: $dir" >&2
        exit 1
    fi
done
if [ ! -x "$vigiectl" ]; then
    echo "eval: $vigiectl not built" >&2
    exit 1
fi
if ! command -v redis-server >/dev/null 2>&1; then
    echo "eval: redis-server is not installed" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigie-eval.XXXXXX") || exit 1
. "$(dirname "$0")/../private_redis.sh"
cleanup() {
    private_redis_stop
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

private_redis_start "$tmp" || exit 1

cat >"$tmp/vigie.conf" <<EOF
redis_address = unix:$REDIS_SOCK
redis_prefix = eval:
local_domains = example.org
trusted_networks = 127.0.0.0/8
EOF
if [ -n "${EVAL_HEADER_TOKENS:-}" ]; then
    echo "bayes_header_tokens = $EVAL_HEADER_TOKENS" >>"$tmp/vigie.conf"
    echo "eval: bayes_header_tokens = $EVAL_HEADER_TOKENS"
fi

count() {
    find "$1" -type f | wc -l | tr -d ' '
}
echo "eval: training on $train ($(count "$train/spam") spam, $(count "$train/ham") ham)," \
     "testing on $test ($(count "$test/spam") spam, $(count "$test/ham") ham)"

"$vigiectl" learn -q -c "$tmp/vigie.conf" spam "$train/spam" || exit 1
"$vigiectl" learn -q -c "$tmp/vigie.conf" ham "$train/ham" || exit 1
for pass in 1 2; do
    echo "eval: train on error, pass $pass:"
    "$vigiectl" learn --on-error -q -c "$tmp/vigie.conf" spam "$train/spam" || exit 1
    "$vigiectl" learn --on-error -q -c "$tmp/vigie.conf" ham "$train/ham" || exit 1
done
"$vigiectl" classify -c "$tmp/vigie.conf" "$test/ham" >"$tmp/ham.out" || exit 1
"$vigiectl" classify -c "$tmp/vigie.conf" "$test/spam" >"$tmp/spam.out" || exit 1

# tally FILE - "total spam unsure" of a classify (or bogofilter) listing
tally() {
    awk -F'\t' '{ n++; if ($3 == "spam") s++; else if ($3 == "unsure") u++ }
                END { printf "%d %d %d\n", n, s, u }' "$1"
}

# report NAME HAM_OUT SPAM_OUT - one line of figures
report() {
    set -- "$1" $(tally "$2") $(tally "$3")
    awk -v name="$1" -v ham="$2" -v fp="$3" -v hu="$4" -v spam="$5" -v caught="$6" -v su="$7" '
        function pct(a, b) { return b > 0 ? 100 * a / b : 0 }
        BEGIN {
            printf "%-10s ham %d: %d called spam (%.2f%%), %d unsure | spam %d: %d caught (%.2f%%), %d unsure, %d called ham\n",
                   name, ham, fp, pct(fp, ham), hu, spam, caught, pct(caught, spam), su,
                   spam - caught - su
        }'
}

echo "vigie false positives (ham called spam):"
awk -F'\t' '$3 == "spam" { printf "  %s\t%s\n", $1, $2; n++ } END { if (!n) print "  none" }' \
    "$tmp/ham.out"
echo "vigie spam not caught (probability, verdict):"
awk -F'\t' '$3 != "spam" { printf "  %s\t%s\t%s\n", $1, $2, $3 }' "$tmp/spam.out"

report vigie "$tmp/ham.out" "$tmp/spam.out"

if command -v bogofilter >/dev/null 2>&1; then
    mkdir "$tmp/bogofilter"
    find "$train/spam" -type f | xargs bogofilter -d "$tmp/bogofilter" -s -B
    find "$train/ham" -type f | xargs bogofilter -d "$tmp/bogofilter" -n -B
    # -T prints "name S|H|U score"; make it classify's "name TAB score TAB verdict"
    for class in ham spam; do
        find "$test/$class" -type f | bogofilter -d "$tmp/bogofilter" -T -v -b |
            awk '{ v = $2 == "S" ? "spam" : $2 == "H" ? "ham" : "unsure"; printf "%s\t%s\t%s\n", $1, $3, v }' \
                >"$tmp/bogo-$class.out"
    done
    report bogofilter "$tmp/bogo-ham.out" "$tmp/bogo-spam.out"
else
    echo "bogofilter is not installed: no comparison"
fi

set -- $(tally "$tmp/ham.out") $(tally "$tmp/spam.out")
echo "eval: ham=$1 fp=$2 spam=$4 caught=$5 unsure=$(($3 + $6))"
