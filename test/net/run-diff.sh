#!/bin/sh
# Differential suite: the case files of test/diff/cases run against a real
# redis-server 7.0.15 and against magpie-server; raw reply bytes compared
# (test/diff/diff.py, markers and directives described in case_parser.py).
# Usage: run-diff.sh BUILD_DIR [--self] [CASEFILE...]
#   BUILD_DIR  the server under test is BUILD_DIR/magpie-server
#   --self     compare redis-server with a second redis-server instead
#              (validates the case files and their ~ markers)
#   CASEFILE   run only these (default: test/diff/cases/*.txt)
# DIFF_VERBOSE=1 prints every passing step too. MAGPIE_DIFF_ARGS adds
# server arguments.
# Ends with: RESULT <passed> <failed>   (one test per compared step)
build=${1:-build}
[ $# -gt 0 ] && shift
self=0
if [ "$1" = "--self" ]; then
    self=1
    shift
fi
here=$(cd "$(dirname "$0")/../.." && pwd)
server="$build/magpie-server"
redis=/usr/bin/redis-server
python=/usr/bin/python3
. "$here/tools/servers.sh"
servers_begin magpie-diff

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
if [ "$self" = 0 ] && [ ! -x "$server" ]; then
    fail_setup "$server not found; build it first (make build/magpie-server)"
fi

redis_args="--save '' --appendonly no --bind 127.0.0.1 --protected-mode no"
start_server ref_port redis sh -c "exec $redis $redis_args \"\$@\"" redis ||
    fail_setup "redis-server does not start" "$(cat "$work/redis.log")"
if [ "$self" = 1 ]; then
    start_server test_port redis2 sh -c "exec $redis $redis_args \"\$@\"" redis ||
        fail_setup "second redis-server does not start" "$(cat "$work/redis2.log")"
    test_name=redis2
else
    # MAGPIE_DIFF_ARGS: more server arguments (word-split), e.g. save rules
    # so that background saves run under the suite.
    # shellcheck disable=SC2086
    start_server test_port magpie "$server" --threads 2 $MAGPIE_DIFF_ARGS ||
        fail_setup "magpie-server does not start" "$(cat "$work/magpie.log")"
    test_name=magpie
fi

if [ $# -eq 0 ]; then
    set -- "$here"/test/diff/cases/*.txt
fi
"$python" "$here/test/diff/diff.py" --ref "$ref_port" --test "$test_port" \
    --test-name "$test_name" ${DIFF_VERBOSE:+--verbose} "$@" >"$work/out" 2>&1
rc=$?
grep -v '^RESULT ' "$work/out"
set -- $(grep '^RESULT [0-9]* [0-9]*$' "$work/out" | tail -1)
passed=${2:-0} failed=${3:-0}
if [ "$rc" -ne 0 ]; then
    echo "not ok - diff.py exited with status $rc"
    failed=$((failed + 1))
fi
# A server that died during the run, or a sanitizer report, is a failure
# even if every reply matched.
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
