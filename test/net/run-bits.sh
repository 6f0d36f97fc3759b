#!/bin/sh
# Bitmaps and HyperLogLogs against a real redis-server 7.0.15:
#   test/net/bitmap_random.py  random bitmap commands, replies compared
#   test/net/hll_move.py       the same PFADDs must build the same bytes,
#                              values SET from one server into the other must
#                              count, grow and merge the same, and corrupted
#                              values must get the same replies
# with no server dying.
# Usage: run-bits.sh BUILD_DIR [SEED]   (the server is BUILD_DIR/magpie-server)
# Ends with: RESULT <passed> <failed>
build=${1:-build}
seed=${2:-15}
here=$(cd "$(dirname "$0")/../.." && pwd)
server="$build/magpie-server"
redis=/usr/bin/redis-server
python=/usr/bin/python3
. "$here/tools/servers.sh"
servers_begin magpie-bits

fail_setup() {
    echo "not ok - $1"
    [ -n "$2" ] && echo "$2" | sed 's/^/    /'
    echo "RESULT 0 1"
    exit 0
}

if ! need_redis; then
    echo "skipped: $redis or redis-cli missing (apt-get install redis-server as root)"
    echo "RESULT 0 0"
    exit 0
fi
[ -x "$python" ] || fail_setup "$python missing"
[ -x "$server" ] || fail_setup "$server not found; build it first (make build/magpie-server)"

start_server ref_port redis sh -c "exec $redis --save '' --appendonly no --bind 127.0.0.1 \"\$@\"" redis ||
    fail_setup "redis-server does not start" "$(cat "$work/redis.log")"
start_server test_port magpie "$server" --threads 2 ||
    fail_setup "magpie-server does not start" "$(cat "$work/magpie.log")"

passed=0 failed=0
for script in bitmap_random.py hll_move.py; do
    "$python" "$here/test/net/$script" "$ref_port" "$test_port" "$seed" >"$work/out" 2>&1
    rc=$?
    grep -v '^RESULT ' "$work/out"
    set -- $(grep '^RESULT [0-9]* [0-9]*$' "$work/out" | tail -1)
    passed=$((passed + ${2:-0})) failed=$((failed + ${3:-0}))
    if [ "$rc" -ne 0 ] || [ -z "$1" ]; then
        echo "not ok - $script exited with status $rc"
        failed=$((failed + 1))
    fi
done
for p in $pids; do
    if ! kill -0 "$p" 2>/dev/null; then
        echo "not ok - a server (pid $p) died during the run"
        tail -n 30 "$work"/*.log
        failed=$((failed + 1))
    fi
done
if grep -l "Sanitizer" "$work"/*.log >/dev/null 2>&1; then
    echo "not ok - sanitizer report"
    grep -h -A30 "Sanitizer" "$work"/*.log | head -80
    failed=$((failed + 1))
fi
echo "RESULT $passed $failed"
exit 0
