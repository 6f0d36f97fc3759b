#!/bin/sh
# PUBLISH fan-out and MULTI/EXEC, magpie-server against redis-server, same
# client, same workloads, run in alternation (the order flips every round),
# median of ROUNDS rounds. redis-benchmark cannot make these loads; the
# client is tools/bench/pubsub_tx_driver.c (one epoll thread, like
# redis-benchmark).
#
#   pubsub-tx-bench.sh [path/to/magpie-server] [path/to/pubsub_tx_driver]
#                                                (make bench passes both)
#
# Workloads:
#   PUBLISH-1, -10, -100   PUBLISHERS connections PUBLISH 32-byte messages
#                          to one channel with S = 1, 10, 100 subscribers,
#                          PIPELINE in flight each; ops/s counts PUBLISHes
#                          until every subscriber read every message
#                          (deliveries/s is S times that)
#   MULTI-10               CLIENTS connections run MULTI, 10 x SET, EXEC
#                          (one transaction in flight each); ops/s counts
#                          transactions
# Prints ops/s for both and the Magpie/Redis ratio against the target of
# 1.0. A workload a server does not implement yet ("unknown command") is
# reported as not run. A benchmark, not a test: numbers on a shared or
# noisy machine mean little.
#
# Environment: ROUNDS (3), PUBLISHES (200000 to 1 subscriber; divided by
# the subscribers / 10 above 10), PUBLISHERS (4), PIPELINE (8),
# TRANSACTIONS (100000), CLIENTS (50), MAGPIE_ARGS (extra magpie-server
# flags), REDIS_SERVER (redis-server path), WORKLOADS (default below).
magpie=${1:-build/magpie-server}
driver=${2:-build/bench/pubsub_tx_driver}
rounds=${ROUNDS:-3}
publishes=${PUBLISHES:-200000}
publishers=${PUBLISHERS:-4}
pipeline=${PIPELINE:-8}
transactions=${TRANSACTIONS:-100000}
clients=${CLIENTS:-50}
redis_server=${REDIS_SERVER:-redis-server}
workloads=${WORKLOADS:-PUBLISH-1 PUBLISH-10 PUBLISH-100 MULTI-10}
. "$(dirname "$0")/../servers.sh"
servers_begin magpie-pubsub-tx-bench

command -v redis-cli >/dev/null 2>&1 || apt_install redis-tools
command -v "$redis_server" >/dev/null 2>&1 || apt_install redis-server
command -v redis-cli >/dev/null 2>&1 && command -v "$redis_server" >/dev/null 2>&1 ||
    { echo "pubsub-tx-bench: redis-server / redis-cli missing; skipped"; exit 0; }
[ -x "$magpie" ] || { echo "pubsub-tx-bench: $magpie not found; build it first"; exit 1; }
[ -x "$driver" ] || { echo "pubsub-tx-bench: $driver not found; build it first"; exit 1; }

did_not_start() {
    echo "pubsub-tx-bench: $1 did not start:"
    cat "$work/$1.log"
    exit 1
}
start_server magpie_port magpie "$magpie" --save '' ${MAGPIE_ARGS:-} || did_not_start magpie
start_server redis_port redis "$redis_server" --save '' --appendonly no --bind 127.0.0.1 ||
    did_not_start redis
echo "magpie: $magpie on port $magpie_port; redis: $($redis_server --version | cut -d' ' -f3) on port $redis_port"
echo "PUBLISH: $publishers publishers, pipeline $pipeline, 32-byte messages; MULTI: $clients clients, $transactions transactions; $rounds rounds"
echo

# run_workload SERVER PORT WORKLOAD ROUND: appends "server workload round ops/s"
# ("-" when the server does not know a command the workload needs).
run_workload() {
    server=$1 port=$2 w=$3 round=$4
    case $w in
    PUBLISH-*)
        subs=${w#PUBLISH-}
        n=$publishes
        [ "$subs" -gt 10 ] && n=$((publishes * 10 / subs))
        set -- publish --subscribers "$subs" --publishers "$publishers" --pipeline "$pipeline" \
            --requests "$n"
        ;;
    MULTI-*)
        set -- multi --sets "${w#MULTI-}" --clients "$clients" --requests "$transactions"
        ;;
    esac
    out=$("$driver" --port "$port" "$@" 2>"$work/driver.err")
    rc=$?
    if [ $rc -eq 0 ]; then
        echo "$server $w $round $(echo "$out" | awk '{ print $2 }')" >>"$work/results"
    elif [ $rc -eq 2 ]; then
        echo "$server $w $round -" >>"$work/results"
    else
        echo "pubsub-tx-bench: $w on $server failed: $(cat "$work/driver.err")"
        echo "$server $w $round -" >>"$work/results"
    fi
    redis-cli -p "$port" FLUSHALL >/dev/null 2>&1
}

: >"$work/results"
round=1
while [ $round -le "$rounds" ]; do
    if [ $((round % 2)) = 1 ]; then order="magpie redis"; else order="redis magpie"; fi
    echo "round $round/$rounds ($order first)"
    for w in $workloads; do
        for s in $order; do
            eval "port=\$${s}_port"
            run_workload "$s" "$port" "$w" "$round"
        done
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
    if ($4 == "-") missing[key] = 1; else ops[key] = ops[key] " " $4
    if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 }
}
END {
    printf "%-12s %14s %14s %7s  %s\n", "workload", "magpie op/s", "redis op/s", "ratio", "target"
    for (i = 1; i <= n; i++) {
        w = order[i]; m = "magpie" SUBSEP w; r = "redis" SUBSEP w
        mm = (m in missing) || !(m in ops); rm = (r in missing) || !(r in ops)
        if (mm || rm) {
            ms = "-"; rs = "-"; who = "magpie-server"
            if (!mm) ms = sprintf("%.0f", median(ops[m]))
            if (!rm) rs = sprintf("%.0f", median(ops[r]))
            if (rm) who = "redis-server"
            printf "%-12s %14s %14s %7s  ratio>=1.0 not measured (%s does not implement it)\n", w, ms, rs, "-", who
            continue
        }
        mo = median(ops[m]); ro = median(ops[r]); ratio = ro > 0 ? mo / ro : 0
        printf("%-12s %14.0f %14.0f %7.2f  ratio>=1.0 %s\n", w, mo, ro, ratio, ratio >= 1.0 ? "met" : "MISSED")
    }
}' "$work/results"
