#!/bin/sh
# The append-only file's cost: SET throughput and p99 with appendonly yes
# under appendfsync always and everysec, magpie-server against redis-server
# on the same disk, redis-benchmark -c 50 -P 1, run in alternation (the order
# flips every round), median of ROUNDS rounds. Targets (issue 14): ratio >=
# 1.5 under always (group commit: one fsync for every client that wrote
# since the last), >= 1.0 under everysec.
#
#   aof-bench.sh [path/to/magpie-server]      (make bench passes it)
#
# Environment: ROUNDS (3), REQUESTS (50000), CLIENTS (50), REDIS_SERVER,
# MAGPIE_THREADS: magpie-server's workers, by default one fewer than the
# CPUs (at least one): the load generator on the same machine takes a core,
# as redis-server's one thread leaves the others to it.
# A benchmark, not a test: fsync costs depend on the disk and its load.
magpie=$(cd "$(dirname "${1:-build/magpie-server}")" && pwd)/$(basename "${1:-build/magpie-server}")
rounds=${ROUNDS:-3}
requests=${REQUESTS:-50000}
clients=${CLIENTS:-50}
cpus=$(nproc 2>/dev/null || echo 2)
threads=${MAGPIE_THREADS:-$((cpus > 1 ? cpus - 1 : 1))}
redis_server=${REDIS_SERVER:-redis-server}
. "$(dirname "$0")/../servers.sh"
servers_begin magpie-aof-bench

for c in redis-benchmark redis-cli "$redis_server"; do
    command -v "$c" >/dev/null 2>&1 || { echo "aof-bench: $c missing; skipped"; exit 0; }
done
[ -x "$magpie" ] || { echo "aof-bench: $magpie not found; build it first"; exit 1; }

# start_pair FSYNC: both servers with the AOF on, each in a directory of its own.
start_pair() {
    mkdir -p "$work/magpie-$1" "$work/redis-$1"
    start_server magpie_port "magpie-$1" sh -c "cd '$work/magpie-$1' && exec '$magpie' --save '' \
        --threads $threads --appendonly yes --appendfsync $1 \"\$@\"" magpie || { cat "$work/magpie-$1.log"; exit 1; }
    start_server redis_port "redis-$1" "$redis_server" --save '' --appendonly yes --appendfsync "$1" \
        --dir "$work/redis-$1" --bind 127.0.0.1 || { cat "$work/redis-$1.log"; exit 1; }
}

: >"$work/results"
for fsync in always everysec; do
    start_pair "$fsync"
    round=1
    while [ $round -le "$rounds" ]; do
        if [ $((round % 2)) = 1 ]; then order="magpie redis"; else order="redis magpie"; fi
        for s in $order; do
            eval "port=\$${s}_port"
            redis-benchmark -p "$port" -c "$clients" -n "$requests" -r 100000 -P 1 -t set --csv \
                2>/dev/null | grep '^"SET"' | tr -d '"' |
                awk -F, -v s="$s" -v w="SET-$fsync" 'NF >= 7 { print s, w, $2, $7 }' >>"$work/results"
        done
        round=$((round + 1))
    done
    for p in $pids; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
    pids=""
done

echo "workload: redis-benchmark -c $clients -n $requests -r 100000 -P 1 -t set, appendonly yes; magpie-server --threads $threads ($cpus CPUs); median of $rounds rounds"
awk '
function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ k = $1 SUBSEP $2; rps[k] = rps[k] " " $3; p99[k] = p99[k] " " $4; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
END {
    printf "%-14s %12s %8s   %12s %8s   %6s  %s\n", "workload", "magpie op/s", "p99 ms", "redis op/s", "p99 ms", "ratio", "target"
    for (i = 1; i <= n; i++) {
        w = order[i]; m = median(rps["magpie" SUBSEP w]); r = median(rps["redis" SUBSEP w])
        target = w ~ /always/ ? 1.5 : 1.0
        ratio = r > 0 ? m / r : 0
        printf "%-14s %12.0f %8.2f   %12.0f %8.2f   %6.2f  %s\n", w, m, median(p99["magpie" SUBSEP w]), r,
            median(p99["redis" SUBSEP w]), ratio, (ratio >= target ? ">= " target " ok" : "< " target " MISSED")
    }
}' "$work/results"
