#!/bin/sh
# magpie-server against redis-server, same client, same workloads, run in
# alternation (the order flips every round), median of ROUNDS rounds.
#
#   server-bench.sh [path/to/magpie-server]      (make bench passes it)
#
# Workloads: redis-benchmark -c 50 -n 200000 for SET, GET, INCR, MSET, the
# list tests LPUSH, RPUSH, LPOP, RPOP and LRANGE_100, the set tests SADD,
# SPOP and SISMEMBER, the hash tests HSET, HGET and HGETALL (of a
# 100-field hash) and the sorted-set tests ZADD, ZINCRBY, ZRANGE_100 (ZRANGE
# 0 99 WITHSCORES of a 100-member set), ZPOPMIN and ZRANK at -P 1 and -P 16
# (SISMEMBER, HGET, HGETALL, ZINCRBY, ZRANGE_100 and ZRANK are
# redis-benchmark command lines: SISMEMBER, HGET, ZINCRBY and ZRANK read
# the members SADD, HSET and ZADD wrote), and
# `redis-cli --pipe` inserting 1M keys. Prints ops/s, p50 and p99 latency for
# both and the Magpie/Redis ratio, and marks the targets (SET/GET ratio >=
# 1.0 at -P 1, >= 1.3 at -P 16, p99 no worse than Redis; list, set, hash
# and sorted-set tests >= 1.0).
# A benchmark, not a test: numbers on a shared or noisy machine mean little.
#
# Environment: ROUNDS (3), REQUESTS (200000), CLIENTS (50), KEYSPACE (1000000:
# -r for redis-benchmark; 0 = one fixed key), PIPE_KEYS (1000000),
# MAGPIE_ARGS (extra magpie-server flags), REDIS_SERVER (redis-server path),
# TESTS (the redis-benchmark tests, default below).
magpie=${1:-build/magpie-server}
rounds=${ROUNDS:-3}
requests=${REQUESTS:-200000}
clients=${CLIENTS:-50}
keyspace=${KEYSPACE:-1000000}
pipe_keys=${PIPE_KEYS:-1000000}
redis_server=${REDIS_SERVER:-redis-server}
tests=${TESTS:-set get incr mset lpush rpush lpop rpop lrange_100 sadd spop sismember hset hget hgetall zadd zincrby zrange_100 zrank zpopmin}
. "$(dirname "$0")/../servers.sh"
servers_begin magpie-bench

need() {
    command -v "$1" >/dev/null 2>&1 || apt_install "$2"
    command -v "$1" >/dev/null 2>&1 || { echo "server-bench: $1 missing (install $2); skipped"; exit 0; }
}
need redis-benchmark redis-tools
need redis-cli redis-tools
need "$redis_server" redis-server
[ -x "$magpie" ] || { echo "server-bench: $magpie not found; build it first"; exit 1; }

did_not_start() {
    echo "server-bench: $1 did not start:"
    cat "$work/$1.log"
    exit 1
}
start_server magpie_port magpie "$magpie" --save '' ${MAGPIE_ARGS:-} || did_not_start magpie
start_server redis_port redis "$redis_server" --save '' --appendonly no --bind 127.0.0.1 ||
    did_not_start redis
echo "magpie: $magpie ($(redis-cli -p "$magpie_port" INFO server | tr -d '\r' | grep -E '^magpie_version' | cut -d: -f2)," \
    "$(redis-cli -p "$magpie_port" INFO scheduler | tr -d '\r' | grep '^workers:' | cut -d: -f2) workers) on port $magpie_port"
echo "redis:  $($redis_server --version | cut -d' ' -f3) on port $redis_port"
rflag=""
[ "$keyspace" -gt 0 ] && rflag="-r $keyspace"
echo "workload: redis-benchmark -c $clients -n $requests $rflag [-P 16] -t <test> --csv; $rounds rounds"
echo

# The 1M-key mass insert, generated once.
python3 -c '
import sys
n = int(sys.argv[1]); out = sys.stdout.buffer
for i in range(n):
    k = b"pipe:%d" % i; v = b"value:%d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
' "$pipe_keys" >"$work/pipe.txt"

# run_bench SERVER PORT TEST PIPELINE ROUND: appends "server workload round rps p50 p99".
run_bench() {
    server=$1 port=$2 t=$3 pl=$4 round=$5
    # The test's own line (LRANGE tests first run an LPUSH to fill the list).
    name=$(echo "$t" | tr a-z A-Z)
    case $t in
    sismember) set -- SISMEMBER myset 'element:__rand_int__' ;;
    hget) set -- HGET myhash 'element:__rand_int__' ;;
    zincrby) set -- ZINCRBY myzset 1 'element:__rand_int__' ;;
    zrank) set -- ZRANK myzset 'element:__rand_int__' ;;
    zrange_100)
        # shellcheck disable=SC2046 # 100 score-member pairs, one word each
        redis-cli -p "$port" ZADD zset100 $(seq 0 99 | sed 's/.*/& member&/') >/dev/null
        name=ZRANGE
        set -- ZRANGE zset100 0 99 WITHSCORES
        ;;
    hgetall)
        # shellcheck disable=SC2046 # 100 field-value pairs, one word each
        redis-cli -p "$port" HSET hash100 $(seq 0 99 | sed 's/.*/field& value&/') >/dev/null
        set -- HGETALL hash100
        ;;
    *) set -- -t "$t" ;;
    esac
    line=$(redis-benchmark -p "$port" -c "$clients" -n "$requests" $rflag -P "$pl" --csv "$@" 2>/dev/null |
        grep "^\"$name[ \"]" | head -1)
    # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
    echo "$line" | tr -d '"' | awk -F, -v s="$server" -v w="$(echo "$t" | tr a-z A-Z)-P$pl" -v r="$round" \
        'NF >= 7 { print s, w, r, $2, $5, $7 }' >>"$work/results"
}

run_pipe() {
    server=$1 port=$2 round=$3
    redis-cli -p "$port" FLUSHALL >/dev/null
    start_ns=$(date +%s%N)
    out=$(redis-cli -p "$port" --pipe <"$work/pipe.txt" 2>&1)
    end_ns=$(date +%s%N)
    if echo "$out" | grep -q "errors: 0, replies: $pipe_keys"; then
        awk -v s="$server" -v r="$round" -v n="$pipe_keys" -v ns=$((end_ns - start_ns)) \
            'BEGIN { printf "%s PIPE-1M %s %.2f - -\n", s, r, n / (ns / 1e9) }' >>"$work/results"
    else
        echo "server-bench: --pipe into $server failed: $out"
    fi
}

: >"$work/results"
round=1
while [ $round -le "$rounds" ]; do
    if [ $((round % 2)) = 1 ]; then order="magpie redis"; else order="redis magpie"; fi
    echo "round $round/$rounds ($order first)"
    for pl in 1 16; do
        for t in $tests; do
            for s in $order; do
                eval "port=\$${s}_port"
                run_bench "$s" "$port" "$t" "$pl" "$round"
            done
        done
    done
    for s in $order; do
        eval "port=\$${s}_port"
        run_pipe "$s" "$port" "$round"
    done
    round=$((round + 1))
done
echo

# Median per server and workload, then the table.
awk '
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
    key = $1 SUBSEP $2
    rps[key] = rps[key] " " $4; p50[key] = p50[key] " " $5; p99[key] = p99[key] " " $6
    if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
}
END {
    printf "%-12s %12s %8s %8s   %12s %8s %8s   %6s  %s\n", "workload", "magpie op/s", "p50 ms", "p99 ms",
        "redis op/s", "p50 ms", "p99 ms", "ratio", "target"
    for (i = 1; i <= n; i++) {
        w = order[i]; m = "magpie" SUBSEP w; r = "redis" SUBSEP w
        mr = median(rps[m]); rr = median(rps[r])
        m50 = p50[m] ~ /-/ ? "-" : median(p50[m]); m99 = p99[m] ~ /-/ ? "-" : median(p99[m])
        r50 = p50[r] ~ /-/ ? "-" : median(p50[r]); r99 = p99[r] ~ /-/ ? "-" : median(p99[r])
        ratio = rr > 0 ? mr / rr : 0
        target = ""
        if (w == "SET-P1" || w == "GET-P1") need = 1.0
        else if (w == "SET-P16" || w == "GET-P16") need = 1.3
        else if (w ~ /^(LPUSH|RPUSH|LPOP|RPOP|LRANGE_100|SADD|SPOP|SISMEMBER|HSET|HGET|HGETALL)-/) need = 1.0
        else if (w ~ /^(ZADD|ZINCRBY|ZRANGE_100|ZPOPMIN|ZRANK)-/) need = 1.0
        else need = 0
        if (need > 0) {
            target = sprintf("ratio>=%.1f %s", need, ratio >= need ? "met" : "MISSED")
            if (m99 != "-" && r99 != "-") target = target sprintf(", p99 %s", m99 + 0 <= r99 + 0 ? "met" : "MISSED")
        }
        printf "%-12s %12.0f %8s %8s   %12.0f %8s %8s   %6.2f  %s\n", w, mr, m50, m99, rr, r50, r99, ratio, target
    }
}' "$work/results"
