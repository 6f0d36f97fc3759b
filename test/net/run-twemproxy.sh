#!/bin/sh
# Scaling out: three magpie-servers behind twemproxy (Debian's nutcracker)
# with ketama hashing, driven with redis-cli and redis-py through the proxy.
# Checks that keys spread over all three backends, that MGET and DEL over
# keys on several backends are split and merged, and that a killed backend
# is ejected after server_failure_limit failures and re-admitted after
# server_retry_timeout once it is back.
# Usage: run-twemproxy.sh BUILD_DIR   (the servers are BUILD_DIR/magpie-server)
# MAGPIE_TWEMPROXY_PORT_BASE=N uses ports N..N+4 instead of free ones.
# Ends with: RESULT <passed> <failed>
build=${1:-build}
server="$build/magpie-server"
nutcracker=/usr/sbin/nutcracker
python=/usr/bin/python3
passed=0 failed=0
. "$(dirname "$0")/../../tools/servers.sh"
servers_begin magpie-twemproxy

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "    $l"; done; }
expect() { # NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "got:      $3"; fi
}
finish() { echo "RESULT $passed $failed"; exit 0; }

have_py_redis() { "$python" -c 'import redis' 2>/dev/null; }
if [ ! -x "$nutcracker" ] || ! command -v redis-cli >/dev/null || ! have_py_redis; then
    apt_install nutcracker redis-tools python3-redis
fi
if [ ! -x "$nutcracker" ] || ! command -v redis-cli >/dev/null || ! have_py_redis; then
    echo "skipped: $nutcracker, redis-cli or python3-redis missing (install nutcracker redis-tools python3-redis)"
    finish
fi
if [ ! -x "$server" ]; then
    not_ok "server binary" "$server not found; build it first"
    finish
fi

# wait_until TENTHS CMD...: polls CMD every 0.1 s until it succeeds
wait_until() {
    _n=$1
    shift
    while [ "$_n" -gt 0 ]; do
        "$@" && return 0
        sleep 0.1
        _n=$((_n - 1))
    done
    return 1
}
pings() { redis-cli -p "$1" PING 2>/dev/null | grep -q PONG; }

port_for() { # INDEX (0..4): fixed ports when asked, else free ones
    if [ -n "${MAGPIE_TWEMPROXY_PORT_BASE:-}" ]; then
        echo $((MAGPIE_TWEMPROXY_PORT_BASE + $1))
    else
        free_port
    fi
}

# start_backend N PORT: magpie-server N on PORT; its pid in $backend_pid_N
start_backend() {
    "$server" --port "$2" --threads 2 >>"$work/magpie$1.log" 2>&1 &
    eval "backend_pid_$1=$!"
    pids="$pids $!"
    wait_until 300 pings "$2"
}

ports=""
for n in 0 1 2 3 4; do
    p=$(port_for $n)
    while case " $ports " in *" $p "*) true ;; *) false ;; esac do p=$(free_port); done
    ports="$ports $p"
done
set -- $ports
b1=$1 b2=$2 b3=$3 proxy=$4 stats=$5
for n in 1 2 3; do
    eval "p=\$b$n"
    if ! start_backend "$n" "$p"; then
        not_ok "magpie-server $n starts on port $p" "$(cat "$work/magpie$n.log")"
        finish
    fi
done
ok "three magpie-servers start"

# The configuration the README's "Scaling out" section shows. Names after the
# weights (s1..s3) are what ketama hashes, so key placement does not depend on
# the ports. A backend is ejected after 2 consecutive failures and retried
# 1.5 s later.
cat >"$work/nutcracker.yml" <<EOF
magpie:
  listen: 127.0.0.1:$proxy
  redis: true
  hash: fnv1a_64
  distribution: ketama
  auto_eject_hosts: true
  server_retry_timeout: 1500
  server_failure_limit: 2
  timeout: 1000
  preconnect: true
  servers:
   - 127.0.0.1:$b1:1 s1
   - 127.0.0.1:$b2:1 s2
   - 127.0.0.1:$b3:1 s3
EOF
if ! "$nutcracker" -t -c "$work/nutcracker.yml" >"$work/conftest.log" 2>&1; then
    not_ok "nutcracker accepts the configuration" "$(cat "$work/conftest.log")"
    finish
fi
"$nutcracker" -c "$work/nutcracker.yml" -s "$stats" -a 127.0.0.1 -p "$work/nutcracker.pid" \
    -o "$work/nutcracker.log" -v 6 &
pids="$pids $!"
if wait_until 300 pings "$proxy"; then ok "nutcracker answers PING"; else
    not_ok "nutcracker answers PING" "$(tail -20 "$work/nutcracker.log")"
    finish
fi
px() { redis-cli -p "$proxy" "$@" 2>&1; }

# ---------------------------------------------------------------- redis-cli
expect "SET through the proxy" "OK" "$(px SET tw:hello world)"
expect "GET through the proxy" "world" "$(px GET tw:hello)"
px DEL tw:hello >/dev/null
# 300 keys in one pipe, then each backend holds some and they sum to 300
i=0
while [ $i -lt 300 ]; do
    echo "SET user:$i v$i"
    i=$((i + 1))
done >"$work/sets.txt"
set_out=$(redis-cli -p "$proxy" <"$work/sets.txt" 2>&1 | sort | uniq -c | tr -s ' ')
expect "300 SETs through the proxy" " 300 OK" "$set_out"
d1=$(redis-cli -p "$b1" DBSIZE) d2=$(redis-cli -p "$b2" DBSIZE) d3=$(redis-cli -p "$b3" DBSIZE)
if [ "$d1" -gt 0 ] && [ "$d2" -gt 0 ] && [ "$d3" -gt 0 ] && [ $((d1 + d2 + d3)) -eq 300 ]; then
    ok "keys spread over all three backends ($d1 + $d2 + $d3)"
else
    not_ok "keys spread over all three backends" "DBSIZE: $d1 $d2 $d3 (want each > 0, sum 300)"
fi
expect "MGET over keys on every backend (redis-cli)" "v0
v1
v2
v3
v4
v5
v6
v7
v8
v9" "$(px MGET user:0 user:1 user:2 user:3 user:4 user:5 user:6 user:7 user:8 user:9)"
expect "DEL over keys on every backend (redis-cli)" "10" \
    "$(px DEL user:0 user:1 user:2 user:3 user:4 user:5 user:6 user:7 user:8 user:9 tw:nokey)"
d1=$(redis-cli -p "$b1" DBSIZE) d2=$(redis-cli -p "$b2" DBSIZE) d3=$(redis-cli -p "$b3" DBSIZE)
expect "backends hold 290 keys after DEL" "290" "$((d1 + d2 + d3))"

# ---------------------------------------------------------------- redis-py
py_out=$("$python" - "$proxy" "$b1" "$b2" "$b3" 2>&1 <<'EOF'
import sys, redis
proxy, backends = int(sys.argv[1]), [int(p) for p in sys.argv[2:]]
r = redis.Redis(host="127.0.0.1", port=proxy)
direct = [redis.Redis(host="127.0.0.1", port=p) for p in backends]
def check(name, good, detail=""):
    print(("ok " if good else "FAIL ") + name + ("" if good else " " + detail))
keys = ["py:%d" % i for i in range(200)]
check("mset", r.mset({k: "val-" + k for k in keys}) is True)
owners = [sum(1 for k in keys if d.exists(k)) for d in direct]
check("mset_spread", all(n > 0 for n in owners) and sum(owners) == 200, repr(owners))
got = r.mget(keys + ["py:missing"])
want = [("val-" + k).encode() for k in keys] + [None]
check("mget_order", got == want, repr(got[:5]))
p = r.pipeline(transaction=False)
for k in keys[:50]:
    p.incr("py:count:" + k)
    p.get(k)
res = p.execute()
check("pipeline", res[0::2] == [1] * 50 and res[1::2] == want[:50], repr(res[:4]))
check("delete", r.delete(*keys[:100], "py:missing") == 100)
check("mget_after_delete", r.mget(keys[:100]) == [None] * 100 and r.mget(keys[100:]) == want[100:200])
# EXISTS is routed by its first key only: one key at a time
check("exists", [r.exists(k) for k in keys[98:102]] == [0, 0, 1, 1])
EOF
)
for name in $(echo "$py_out" | awk '$1=="ok"{print $2}'); do ok "redis-py $name"; done
fails=$(echo "$py_out" | grep -v '^ok ')
[ -n "$fails" ] && not_ok "redis-py" "$fails"

# ---------------------------------------------------------------- ejection
# A key that lives on backend 2 and one on another backend, among the keys
# left above: the redis-py ones (value val-<key>) and the redis-cli ones
# (user:N, value vN).
k2="" ko=""
i=100
while [ $i -lt 200 ] && [ -z "$k2" ]; do
    [ "$(redis-cli -p "$b2" EXISTS py:$i)" = 1 ] && k2=py:$i
    i=$((i + 1))
done
i=10
while [ $i -lt 300 ] && [ -z "$ko" ]; do
    [ "$(redis-cli -p "$b2" EXISTS user:$i)" = 0 ] && ko=user:$i
    i=$((i + 1))
done
if [ -z "$k2" ] || [ -z "$ko" ]; then
    not_ok "keys on backend 2 and elsewhere to test ejection with" "k2=$k2 ko=$ko"
    finish
fi
kill -KILL "$backend_pid_2"
wait "$backend_pid_2" 2>/dev/null
# Until ejection, requests for backend 2's keys fail; after
# server_failure_limit failures its keys hash onto the other two.
ejected() { [ "$(px SET "$k2" moved)" = OK ]; }
if wait_until 100 ejected; then ok "killed backend is ejected: its key $k2 is written elsewhere"; else
    not_ok "killed backend is ejected" "SET $k2: $(px SET "$k2" moved)" "$(tail -5 "$work/nutcracker.log")"
fi
expect "keys of the live backends still answer" "v${ko#user:}" "$(px GET "$ko")"
where=$( (redis-cli -p "$b1" GET "$k2"; redis-cli -p "$b3" GET "$k2") | grep -c moved)
expect "the ejected backend's key went to a live backend" "1" "$where"

# Restart backend 2 on its port: after server_retry_timeout nutcracker tries
# it again, and its keys route back to it (empty: the old data died with it).
if start_backend 2 "$b2"; then ok "backend 2 restarts"; else not_ok "backend 2 restarts" "$(tail -5 "$work/magpie2.log")"; fi
readmitted() {
    px SET "$k2" back >/dev/null
    [ "$(redis-cli -p "$b2" GET "$k2")" = back ]
}
if wait_until 150 readmitted; then ok "restarted backend is re-admitted: $k2 routes to it again"; else
    not_ok "restarted backend is re-admitted" "backend 2 GET $k2: $(redis-cli -p "$b2" GET "$k2")" "$(tail -5 "$work/nutcracker.log")"
fi
expect "keys of the other backends are unaffected" "v${ko#user:}" "$(px GET "$ko")"

finish
