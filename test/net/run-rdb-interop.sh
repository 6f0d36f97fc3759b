#!/bin/sh
# RDB and DUMP/RESTORE interop with redis-server 7.0 (test/net/rdb_interop.py):
# dumps both ways with every type, encoding and TTL, redis-check-rdb,
# DUMP/RESTORE both ways, refusal of types Magpie lacks, BGSAVE, DEBUG
# RELOAD, SIGTERM and SHUTDOWN saves.
# Usage: run-rdb-interop.sh BUILD_DIR        Ends with: RESULT <passed> <failed>
build=${1:-build}
here=$(cd "$(dirname "$0")/../.." && pwd)
server="$build/magpie-server"
. "$here/tools/servers.sh"
servers_begin magpie-rdb-interop
/usr/bin/python3 -c 'import redis' 2>/dev/null || python_redis=python3-redis
if ! need_redis $python_redis || [ ! -x /usr/bin/redis-check-rdb ]; then
    echo "skipped: redis-server or redis-check-rdb missing"
    echo "RESULT 0 0"
    exit 0
fi
if ! /usr/bin/python3 -c 'import redis' 2>/dev/null; then
    echo "skipped: python3 redis module missing"
    echo "RESULT 0 0"
    exit 0
fi
if [ ! -x "$server" ]; then
    echo "not ok - $server not found"
    echo "RESULT 0 1"
    exit 0
fi
/usr/bin/python3 "$here/test/net/rdb_interop.py" "$server"
