#!/bin/sh
# Renders the charts magpie-stress writes with --svg through rsvg-convert and
# checks each produced a non-empty PNG: the in-process sweep chart, and the
# network chart against build/magpie-server (or redis-server when the server
# is not built yet). Installs librsvg2-bin through apt when running as root
# and it is missing; otherwise skips with a message.
# Usage: run-svg.sh BUILD_DIR. Last line: RESULT <passed> <failed>.
build=${1:-build}
stress=$build/magpie-stress
passed=0 failed=0
tmp=$(mktemp -d /tmp/magpie-svg-XXXXXX)
server_pid=""

cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT

pass() { echo "ok   $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

if ! command -v rsvg-convert >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing librsvg2-bin for rsvg-convert"
        apt-get install -y -q librsvg2-bin >"$tmp/apt.log" 2>&1 ||
            { apt-get update -q >>"$tmp/apt.log" 2>&1 &&
              apt-get install -y -q librsvg2-bin >>"$tmp/apt.log" 2>&1; }
    fi
    if ! command -v rsvg-convert >/dev/null 2>&1; then
        echo "SKIP: rsvg-convert is not installed (apt-get install librsvg2-bin)"
        echo "RESULT 0 0"
        exit 0
    fi
fi
if [ ! -x "$stress" ]; then
    fail "$stress is not built"
    echo "RESULT $passed $failed"
    exit 1
fi

# render NAME SVG: well-formed XML, rendered to a non-empty PNG.
render() {
    name=$1 svg=$2 png=$tmp/$1.png
    if [ ! -s "$svg" ]; then
        fail "$name: no SVG written"
        return
    fi
    if command -v python3 >/dev/null 2>&1 &&
        ! python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$svg" \
            2>"$tmp/xml.log"; then
        fail "$name: not well-formed XML: $(cat "$tmp/xml.log" | tail -1)"
        return
    fi
    if ! rsvg-convert -o "$png" "$svg" 2>"$tmp/rsvg.log"; then
        fail "$name: rsvg-convert failed: $(cat "$tmp/rsvg.log")"
        return
    fi
    magic=$(head -c 4 "$png" | od -An -c | tr -d ' ')
    size=$(wc -c <"$png")
    if [ "$size" -gt 1000 ] && [ "$magic" = "211PNG" ]; then
        pass "$name: rendered a ${size}-byte PNG"
    else
        fail "$name: PNG is empty or invalid ($size bytes)"
    fi
}

# The sweep chart: needs only the store.
if "$stress" --inprocess --threads 1,2 --shards 1,16 --dist uniform,hot --duration 100ms \
    --keys 1000 --quiet --svg "$tmp/sweep.svg" >"$tmp/sweep.log" 2>&1; then
    render sweep "$tmp/sweep.svg"
else
    fail "sweep: magpie-stress --inprocess failed: $(tail -3 "$tmp/sweep.log")"
fi

# The network chart: a server on a free port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo 17391)
if [ -x "$build/magpie-server" ]; then
    "$build/magpie-server" --port "$port" --threads 2 >"$tmp/server.log" 2>&1 &
    server_pid=$!
elif command -v redis-server >/dev/null 2>&1; then
    echo "(magpie-server not built: charting a run against redis-server)"
    redis-server --port "$port" --save '' --appendonly no >"$tmp/server.log" 2>&1 &
    server_pid=$!
fi
if [ -n "$server_pid" ]; then
    up=0
    for _ in $(seq 1 100); do
        if "$stress" --port "$port" --requests 1 --clients 1 --quiet >/dev/null 2>&1; then
            up=1
            break
        fi
        sleep 0.1
    done
    if [ "$up" = 1 ] &&
        "$stress" --port "$port" --duration 2s --clients 8 --threads 2 --pipeline 4 --quiet \
            --svg "$tmp/network.svg" >"$tmp/network.log" 2>&1; then
        render network "$tmp/network.svg"
    else
        fail "network: the run failed: $(tail -3 "$tmp/network.log" 2>/dev/null) $(tail -3 "$tmp/server.log")"
    fi
else
    echo "SKIP network chart: neither magpie-server nor redis-server is available"
fi

echo "RESULT $passed $failed"
[ "$failed" -eq 0 ]
