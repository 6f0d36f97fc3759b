#!/bin/sh
# Client compatibility: the stock Redis clients, unmodified, against
# magpie-server. Checks replies, not only exit codes.
#   redis-cli        one-shot commands, interactive mode (in a pty), --pipe
#   redis-benchmark  -t ping,set,get,incr,mset with a small -n, then the data
#   redis-py         /usr/bin/python3 with the `redis` module
# Usage: run-compat.sh BUILD_DIR     (the server is BUILD_DIR/magpie-server)
# Ends with: RESULT <passed> <failed>
build=${1:-build}
server="$build/magpie-server"
passed=0 failed=0
. "$(dirname "$0")/../../tools/servers.sh"
servers_begin magpie-compat

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "    $l"; done; }
# expect NAME EXPECTED ACTUAL
expect() {
    if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected: $2" "got:      $3"; fi
}
finish() { echo "RESULT $passed $failed"; exit 0; }

have_py_redis() { /usr/bin/python3 -c 'import redis' 2>/dev/null; }

if ! command -v redis-cli >/dev/null || ! command -v redis-benchmark >/dev/null || ! have_py_redis; then
    apt_install redis-tools python3-redis
fi
if ! command -v redis-cli >/dev/null || ! command -v redis-benchmark >/dev/null || ! have_py_redis; then
    echo "skipped: redis-cli, redis-benchmark or python3-redis missing (install redis-tools python3-redis)"
    finish
fi
if [ ! -x "$server" ]; then
    not_ok "server binary" "$server not found; build it first"
    finish
fi

if ! start_server port server-plain "$server" --threads 2; then
    not_ok "server starts" "$(cat "$work"/server-*.log)"
    finish
fi
ok "server starts"
cli() { redis-cli -p "$port" "$@" 2>&1; }

# ---------------------------------------------------------------- redis-cli
expect "redis-cli PING" "PONG" "$(cli PING)"
expect "redis-cli SET" "OK" "$(cli SET compat:key 'hello world')"
expect "redis-cli GET" "hello world" "$(cli GET compat:key)"
expect "redis-cli GET (quoted output)" '"hello world"' "$(cli --no-raw GET compat:key)"
expect "redis-cli INCR" "1
2
3" "$(cli INCR compat:counter; cli INCR compat:counter; cli INCR compat:counter)"
expect "redis-cli MSET" "OK" "$(cli MSET compat:a 1 compat:b 2)"
expect "redis-cli GET after MSET" "2" "$(cli GET compat:b)"
expect "redis-cli missing key" "" "$(cli GET compat:nosuchkey)"
expect "redis-cli error reply" "ERR unknown command 'NOSUCH', with args beginning with: 'x' " "$(cli NOSUCH x)"
expect "redis-cli CLIENT SETNAME/GETNAME" "OK
compat" "$(printf 'CLIENT SETNAME compat\nCLIENT GETNAME\n' | cli)"
expect "redis-cli CONFIG GET" "maxclients
10000" "$(cli CONFIG GET maxclients)"
expect "redis-cli INFO redis_version" "redis_version:7.0.15" "$(cli INFO server | tr -d '\r' | grep '^redis_version:')"
expect "redis-cli -3 HELLO 3" "proto 3" "$(cli -3 HELLO 3 | grep '^proto ')"

# Interactive mode needs a terminal: run it in a pty. At start it asks
# COMMAND DOCS for its hints; then it must answer like a plain session.
/usr/bin/python3 - "$port" >"$work/interactive.out" 2>&1 <<'EOF'
import os, pty, sys, time, select, signal
port = sys.argv[1]
pid, fd = pty.fork()
if pid == 0:
    os.environ["TERM"] = "xterm"
    os.execvp("redis-cli", ["redis-cli", "-p", port])
out = b""
def drain(t):
    global out
    end = time.time() + t
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return
        out += chunk
        if b"\x1b[6n" in chunk:  # linenoise asks where the cursor is: answer
            os.write(fd, b"\x1b[1;1R")
drain(1.5)
for line in [b"PING\r", b"SET compat:tty yes\r", b"GET compat:tty\r", b"ECHO interactive\r"]:
    os.write(fd, line)
    drain(0.7)
os.write(fd, b"quit\r")
drain(1.0)
try:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
except (ProcessLookupError, ChildProcessError):
    pass
text = out.decode("utf-8", "replace").replace("\r", "")
for want in ["PONG", "OK", '"yes"', '"interactive"']:
    if want not in text:
        print("missing", want)
        print(repr(text))
        sys.exit(1)
print("interactive ok")
EOF
if grep -q "interactive ok" "$work/interactive.out"; then ok "redis-cli interactive mode"; else not_ok "redis-cli interactive mode" "$(cat "$work/interactive.out")"; fi

# --pipe mass insert: 20000 SETs in RESP, then check count and a value.
/usr/bin/python3 -c '
import sys
out = sys.stdout.buffer
for i in range(20000):
    k, v = b"pipe:%d" % i, b"value-%d" % i
    out.write(b"*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (len(k), k, len(v), v))
' >"$work/pipe.txt"
pipe_out=$(redis-cli -p "$port" --pipe <"$work/pipe.txt" 2>&1)
if echo "$pipe_out" | grep -q "errors: 0, replies: 20000"; then ok "redis-cli --pipe"; else not_ok "redis-cli --pipe" "$pipe_out"; fi
expect "--pipe data" "value-19999" "$(cli GET pipe:19999)"

# ---------------------------------------------------------------- redis-benchmark
cli DEL key:__rand_int__ counter:__rand_int__ >/dev/null
bench=$(redis-benchmark -p "$port" -t ping,set,get,incr,mset -n 2000 -c 10 --csv 2>&1)
for t in PING_INLINE PING_MBULK SET GET INCR 'MSET (10 keys)'; do
    if echo "$bench" | grep -q "^\"$t\",\"[0-9.]*\""; then ok "redis-benchmark $t"; else not_ok "redis-benchmark $t" "$bench"; fi
done
expect "redis-benchmark SET data" "3" "$(cli STRLEN key:__rand_int__)"
expect "redis-benchmark INCR count" "2000" "$(cli GET counter:__rand_int__)"
pbench=$(redis-benchmark -p "$port" -t set,get -n 4000 -c 8 -P 16 --csv 2>&1)
if [ "$(echo "$pbench" | grep -c '^"\(SET\|GET\)","[0-9.]*"')" = 2 ]; then ok "redis-benchmark -P 16"; else not_ok "redis-benchmark -P 16" "$pbench"; fi

# ---------------------------------------------------------------- redis-py
AUTH=s3cret
if start_server authport server-auth "$server" --threads 2 --requirepass s3cret; then ok "auth server starts"; else not_ok "auth server starts"; fi
AUTH=
py_out=$(/usr/bin/python3 - "$port" "$authport" 2>&1 <<'EOF'
import sys, redis
port, authport = int(sys.argv[1]), int(sys.argv[2])
checks = []
def check(name, got, want):
    checks.append((name, got == want, got, want))
r = redis.Redis(host="127.0.0.1", port=port)
check("ping", r.ping(), True)
check("set", r.set("py:k", "v1"), True)
check("get", r.get("py:k"), b"v1")
check("missing", r.get("py:nokey"), None)
p = r.pipeline(transaction=False)
for i in range(1000):
    p.incr("py:counter")
res = p.execute()
check("pipeline", res[-1], 1000)
check("mset", r.mset({"py:a": "1", "py:b": "2"}), True)
check("client_name", (r.client_setname("py"), r.client_getname()), (True, "py"))
check("info", r.info()["redis_version"], "7.0.15")
check("config_get", r.config_get("maxclients"), {"maxclients": "10000"})
check("echo", r.echo("hi"), b"hi")
check("dbsize_type", isinstance(r.dbsize(), int), True)
try:
    r.execute_command("NOSUCH")
    check("error", "no error", "ResponseError")
except redis.ResponseError as e:
    check("error", str(e).startswith("unknown command 'NOSUCH'"), True)
try:
    redis.Redis(host="127.0.0.1", port=authport).ping()
    check("noauth", "no error", "AuthenticationError")
except redis.AuthenticationError:
    check("noauth", True, True)
except redis.ResponseError as e:
    check("noauth", "NOAUTH" in str(e), True)
a = redis.Redis(host="127.0.0.1", port=authport, password="s3cret")
check("auth_ping", a.ping(), True)
try:
    redis.Redis(host="127.0.0.1", port=authport, password="wrong").ping()
    check("wrongpass", "no error", "WRONGPASS")
except (redis.AuthenticationError, redis.ResponseError) as e:
    check("wrongpass", "WRONGPASS" in str(e) or isinstance(e, redis.AuthenticationError), True)
# Client-side caching, as redis-py 4 offers it (RESP2: invalidations
# redirected to a connection subscribed to __redis__:invalidate).
inv = r.pubsub()
inv.subscribe("__redis__:invalidate")
inv.get_message(timeout=1)
inv_id = int([l for l in r.client_list() if l["cmd"] == "subscribe"][0]["id"])
t = redis.Redis(host="127.0.0.1", port=port, single_connection_client=True)
check("tracking_on", t.client_tracking_on(clientid=inv_id), b"OK")
check("getredir", t.client_getredir(), inv_id)
info = t.client_trackinginfo()
check("trackinginfo", (info[1], info[3]), ([b"on"], inv_id))
t.get("py:cached")
r.set("py:cached", "new")
m = inv.get_message(timeout=2)
check("invalidation", (m or {}).get("data"), [b"py:cached"])
check("tracking_off", t.client_tracking_off(), b"OK")
check("bcast_on", t.client_tracking_on(clientid=inv_id, bcast=True, prefix=["py:b"]), b"OK")
r.mset({"py:b1": "1", "py:c1": "1"})
m = inv.get_message(timeout=2)
check("bcast_invalidation", (m or {}).get("data"), [b"py:b1"])
inv.close()
t.close()
for name, good, got, want in checks:
    print(("ok" if good else "FAIL") + " " + name + ("" if good else " got=%r want=%r" % (got, want)))
EOF
)
for name in $(echo "$py_out" | awk '$1=="ok"{print $2}'); do ok "redis-py $name"; done
fails=$(echo "$py_out" | grep -v '^ok ')
if [ -n "$fails" ]; then not_ok "redis-py" "$fails"; fi

# ---------------------------------------------------------------- shutdown
# SIGTERM: both servers exit 0; sanitizer builds report nothing.
for p in $pids; do
    kill -TERM "$p" 2>/dev/null
    wait "$p"
    status=$?
    expect "server $p exits 0 on SIGTERM" "0" "$status"
done
pids=""
if grep -l "Sanitizer" "$work"/server-*.log >/dev/null 2>&1; then
    not_ok "no sanitizer reports" "$(grep -h -A20 "Sanitizer" "$work"/server-*.log | head -60)"
else
    ok "no sanitizer reports"
fi

finish
