# Sourced (POSIX sh) by the scripts that start servers on free ports: the
# client compatibility and differential suites, and the server benchmark.
#
#   servers_begin NAME           $work, a scratch directory; on exit every
#                                server started here is stopped and $work removed
#   apt_install PKG...           as root with apt-get: installs quietly (log in
#                                $work/apt.log); otherwise does nothing
#   need_redis [PKG...]          redis-server 7.0, redis-cli and the other
#                                packages named, installed when missing (as
#                                root; the system service is stopped: we use
#                                our own ports); 1 if redis is still missing
#   free_port                    a TCP port on 127.0.0.1 that was free a moment ago
#   start_server VAR LOG CMD...  runs CMD... --port <free port>, output to
#                                $work/LOG.log, until it answers PING (with
#                                $AUTH as the password when set); stores the
#                                port in VAR and the pid in $pids. Tries
#                                another port if the first was taken
#                                meanwhile. Returns 1 when it never answers.
# start_server pings with redis-cli (Debian's redis-tools).

servers_begin() {
    work=$(mktemp -d "/tmp/$1-XXXXXX")
    pids=""
    trap servers_cleanup EXIT
    trap 'exit 1' INT TERM
}

servers_cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null; done
    for p in $pids; do wait "$p" 2>/dev/null; done
    rm -rf "$work"
}

apt_install() {
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 0
    echo "installing $*"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@") \
        >>"$work/apt.log" 2>&1
}

need_redis() {
    if [ ! -x /usr/bin/redis-server ] || ! command -v redis-cli >/dev/null; then
        apt_install redis-server "$@" # with redis-tools, for redis-cli
        if [ -x /usr/bin/redis-server ] && command -v systemctl >/dev/null; then
            systemctl disable --now redis-server >/dev/null 2>&1
        fi
    elif [ $# -gt 0 ]; then
        apt_install "$@"
    fi
    [ -x /usr/bin/redis-server ] && command -v redis-cli >/dev/null
}

# Below the range connect() takes local ports from (ip_local_port_range):
# a port bind(0) hands out could be taken by a client's own end meanwhile.
free_port() {
    /usr/bin/python3 -c '
import random, socket
try:
    low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
except (OSError, ValueError, IndexError):
    low = 32768
for port in [random.randrange(10000, low) for _ in range(200)] if low > 11000 else []:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
        print(port)
        break
    except OSError:
        pass
    finally:
        s.close()
else:
    s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])
'
}

start_server() {
    _var=$1 _log=$2
    shift 2
    for _attempt in 1 2 3; do
        _port=$(free_port)
        "$@" --port "$_port" >"$work/$_log.log" 2>&1 &
        _pid=$!
        _i=0
        while [ $_i -lt 300 ]; do
            if redis-cli -p "$_port" ${AUTH:+-a "$AUTH" --no-auth-warning} PING 2>/dev/null |
                grep -q PONG; then
                pids="$pids $_pid"
                eval "$_var=$_port"
                return 0
            fi
            kill -0 "$_pid" 2>/dev/null || break
            sleep 0.1
            _i=$((_i + 1))
        done
        kill "$_pid" 2>/dev/null
        wait "$_pid" 2>/dev/null
    done
    return 1
}
