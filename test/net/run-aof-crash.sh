#!/bin/sh
# The append-only file across kill -9 (net/aof.h):
#   - magpie-stress --verify-restart runs INCR and SET traffic under
#     appendfsync always; the server is killed with SIGKILL at a random
#     moment and restarted on the same directory; every acknowledged write
#     must be there: "lost acknowledged writes: 0". Several kill points.
#   - the same with BGREWRITEAOF every 0.1 s until the kill;
#   - the same with the log's rounds held open 50 ms (MAGPIE_AOF_HOLD_MS)
#     on 50 keys: readers then often come for a value whose record is not
#     written yet, and must not be shown it before it is (a value a reader
#     was shown counts as acknowledged);
#   - the same under everysec reports what was lost (not a failure:
#     replies wait for the write(), so a kill -9 loses nothing, but
#     everysec's promise is only about a second of writes);
#   - a negative control without the log: the loss must be caught;
#   - redis-check-aof accepts the directory, and redis-server 7.0 started
#     on it loads the same keys and values.
# Usage: run-aof-crash.sh BUILD_DIR [RUNS]   (BUILD_DIR/magpie-server, magpie-stress)
# Ends with: RESULT <passed> <failed>
build=$(cd "${1:-build}" && pwd)
runs=${2:-3}
here=$(cd "$(dirname "$0")/../.." && pwd)
server="$build/magpie-server"
stress="$build/magpie-stress"
redis=/usr/bin/redis-server
check=/usr/bin/redis-check-aof
. "$here/tools/servers.sh"
servers_begin magpie-aof

passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() {
    echo "not ok - $1"
    [ -n "$2" ] && echo "$2" | sed 's/^/    /'
    failed=$((failed + 1))
}

if ! need_redis; then
    echo "skipped: redis-server or redis-cli missing (apt-get install redis-server as root)"
    echo "RESULT 0 0"
    exit 0
fi
for f in "$server" "$stress"; do
    if [ ! -x "$f" ]; then
        echo "not ok - $f not found; build it first"
        echo "RESULT 0 1"
        exit 0
    fi
done

# start_in DIR PORT LOG ARGS...: magpie-server in DIR (its AOF directory is
# DIR/appendonlydir), until it answers PING; the pid in $server_pid.
start_in() {
    _dir=$1 _port=$2 _log=$3
    shift 3
    (cd "$_dir" && export MAGPIE_AOF_HOLD_MS="${start_hold:-}" &&
        exec "$server" --port "$_port" --threads 2 "$@") >>"$_dir/$_log" 2>&1 &
    server_pid=$!
    pids="$pids $server_pid"
    _i=0
    while [ $_i -lt 100 ]; do
        redis-cli -p "$_port" PING 2>/dev/null | grep -q PONG && return 0
        kill -0 "$server_pid" 2>/dev/null || return 1
        sleep 0.1
        _i=$((_i + 1))
    done
    return 1
}

# A random delay in [0.4, 1.6) seconds.
random_delay() {
    /usr/bin/python3 -c 'import random; print("%.2f" % random.uniform(0.4, 1.6))'
}

# crash_run NAME FSYNC [APPENDONLY [REWRITES]]: stress, kill -9, restart,
# check. Sets $lost. REWRITES=yes: BGREWRITEAOF every 0.1 s until the kill,
# so that it lands in or between rewrites. $keys: the key space (2000);
# $hold: MAGPIE_AOF_HOLD_MS for the killed server.
crash_run() {
    aof=${3:-yes}
    dir="$work/$1"
    mkdir -p "$dir"
    port=$(free_port)
    lost=""
    start_hold=${hold:-}
    if ! start_in "$dir" "$port" server.log --appendonly "$aof" --appendfsync "$2"; then
        not_ok "$1: magpie-server does not start" "$(tail -5 "$dir/server.log")"
        return 1
    fi
    "$stress" --port "$port" --threads 2 --clients 20 --keys "${keys:-2000}" --duration 3s \
        --verify-restart 20s --quiet >"$dir/stress.out" 2>&1 &
    stress_pid=$!
    rewriter_pid=""
    if [ "${4:-no}" = yes ]; then
        (while :; do
            redis-cli -p "$port" BGREWRITEAOF >/dev/null 2>&1
            sleep 0.1
        done) &
        rewriter_pid=$!
    fi
    start_hold=""
    delay=$(random_delay)
    sleep "$delay"
    [ -n "$rewriter_pid" ] && kill "$rewriter_pid" && wait "$rewriter_pid" 2>/dev/null
    kill -9 "$server_pid"
    wait "$server_pid" 2>/dev/null
    if ! start_in "$dir" "$port" server.log --appendonly "$aof" --appendfsync "$2"; then
        not_ok "$1: magpie-server does not restart on its AOF" "$(tail -15 "$dir/server.log")"
        kill "$stress_pid" 2>/dev/null
        return 1
    fi
    wait "$stress_pid"
    lost=$(sed -n 's/^lost acknowledged writes: \([0-9]*\)$/\1/p' "$dir/stress.out")
    if [ -z "$lost" ]; then
        not_ok "$1: magpie-stress gave no verdict (killed after ${delay}s)" \
            "$(tail -8 "$dir/stress.out"; tail -12 "$dir/server.log")"
        return 1
    fi
    echo "# $1: killed after ${delay}s; $(grep '^verify:' "$dir/stress.out")"
    return 0
}

# Stops the restarted server of a run that is checked.
stop_run() {
    redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1
    wait "$server_pid" 2>/dev/null
}

i=1
while [ $i -le "$runs" ]; do
    if crash_run "always-$i" always; then
        if [ "$lost" = 0 ]; then
            ok "appendfsync always, kill -9 #$i: lost acknowledged writes: 0"
        else
            not_ok "appendfsync always, kill -9 #$i: lost acknowledged writes: $lost" \
                "$(tail -12 "$dir/stress.out")"
        fi
    fi
    stop_run
    i=$((i + 1))
done

# Killed while the log is being rewritten (an RDB base by snapshot, records
# split at each shard's cut) or just after a rewrite.
if crash_run always-rewrites always yes yes; then
    if [ "$lost" = 0 ]; then
        ok "appendfsync always, kill -9 amid BGREWRITEAOFs: lost acknowledged writes: 0"
    else
        not_ok "appendfsync always, kill -9 amid BGREWRITEAOFs: lost acknowledged writes: $lost" \
            "$(tail -12 "$dir/stress.out")"
    fi
    echo "# rewrites finished before the kill: $(grep -c "rewrite finished successfully" "$dir/server.log")"
fi
stop_run

# Records held back while readers come for their keys.
keys=50 hold=50
if crash_run always-held always; then
    if [ "$lost" = 0 ]; then
        ok "appendfsync always, kill -9 while records wait, readers on their keys: lost acknowledged writes: 0"
    else
        not_ok "appendfsync always, kill -9 while records wait, readers on their keys: lost acknowledged writes: $lost" \
            "$(tail -12 "$dir/stress.out")"
    fi
fi
stop_run
keys="" hold=""

# The negative control: without the log the restart loses everything, and
# the check must say so.
if crash_run control always no; then
    if [ "$lost" -gt 0 ]; then
        ok "negative control (appendonly no): lost acknowledged writes: $lost, caught"
    else
        not_ok "negative control (appendonly no): the loss went unnoticed" "$(tail -8 "$dir/stress.out")"
    fi
    stop_run
fi

if crash_run everysec everysec; then
    ok "appendfsync everysec, kill -9: lost acknowledged writes: $lost (replies wait for the write; everysec's window is a machine crash's)"
fi

# The last run's directory, after a clean shutdown: redis-check-aof and
# redis-server 7.0 must take it.
dump() { # PORT FILE: every key and its value, sorted
    redis-cli -p "$1" --scan | sort >"$2.keys"
    sed 's/^/GET /' "$2.keys" | redis-cli -p "$1" >"$2.values"
    paste -d' ' "$2.keys" "$2.values" >"$2"
}
if [ -n "$lost" ]; then
    dump "$port" "$work/magpie.dump"
    redis-cli -p "$port" SHUTDOWN >/dev/null 2>&1
    wait "$server_pid" 2>/dev/null
    if [ -x "$check" ]; then
        out=$("$check" "$dir/appendonlydir/appendonly.aof.manifest" 2>&1)
        if echo "$out" | grep -q "All AOF files and manifest are valid"; then
            ok "redis-check-aof accepts Magpie's AOF directory"
        else
            not_ok "redis-check-aof rejects Magpie's AOF directory" "$out"
        fi
    fi
    if [ -x "$redis" ]; then
        rport=$(free_port)
        "$redis" --port "$rport" --dir "$dir" --appendonly yes --save '' --bind 127.0.0.1 \
            >"$work/redis.log" 2>&1 &
        rpid=$!
        pids="$pids $rpid"
        j=0
        until redis-cli -p "$rport" PING 2>/dev/null | grep -q PONG || [ $j -ge 100 ]; do
            sleep 0.1
            j=$((j + 1))
        done
        dump "$rport" "$work/redis.dump"
        if [ -s "$work/magpie.dump" ] && cmp -s "$work/magpie.dump" "$work/redis.dump"; then
            ok "redis-server 7.0 loads Magpie's AOF directory: $(wc -l <"$work/redis.dump") keys, same values"
        else
            not_ok "redis-server 7.0 on Magpie's AOF directory differs" \
                "$(diff "$work/magpie.dump" "$work/redis.dump" | head -5; tail -5 "$work/redis.log")"
        fi
    fi
fi

if grep -l "Sanitizer" "$work"/*/server.log >/dev/null 2>&1; then
    not_ok "sanitizer report" "$(grep -h -A30 Sanitizer "$work"/*/server.log | head -60)"
fi
echo "RESULT $passed $failed"
exit 0
