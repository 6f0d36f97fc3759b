#!/usr/bin/python3
"""BGSAVE under write load: magpie-server (no fork, copy-before-write per
entry) beside redis-server 7.0 (fork) in the same run.

For each server: load KEYS string keys, start a write load (redis-benchmark
SET on random keys of the same keyspace, CLIENTS clients, pipeline 1), then
BGSAVE; report the peak growth of the server's memory during the save (PSS
of the server and its children, so a fork's copied pages count and shared
ones do not) and the write load's p50/p99 latency while the save ran. Then
the time each server takes from start to serving every key of the same
dump (redis-server's), three times in alternation.
Usage: bgsave_bench.py MAGPIE_SERVER [KEYS] [CLIENTS] [SHARDS]
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import redis

MAGPIE = sys.argv[1]
KEYS = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
CLIENTS = int(sys.argv[3]) if len(sys.argv) > 3 else 20
SHARDS = sys.argv[4] if len(sys.argv) > 4 else "0"  # magpie's shards per database


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pss_kb(pid):
    """PSS of pid and its children (a fork's child shares pages)."""
    total = 0
    pids = [pid]
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            pids += [int(p) for p in f.read().split()]
    except OSError:
        pass
    for p in pids:
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                m = re.search(r"^Pss:\s+(\d+) kB", f.read(), re.M)
                total += int(m.group(1)) if m else 0
        except OSError:
            pass
    return total


def load(port):
    """KEYS SETs through redis-cli --pipe."""
    lines = []
    for i in range(KEYS):
        k, v = f"key:{i:012d}", f"value:{i:020d}"
        lines.append(f"*3\r\n$3\r\nSET\r\n${len(k)}\r\n{k}\r\n${len(v)}\r\n{v}\r\n")
    data = "".join(lines).encode()
    subprocess.run(["redis-cli", "-p", str(port), "--pipe"], input=data, check=True,
                   stdout=subprocess.DEVNULL)


def run(name, args, workdir):
    port = free_port()
    proc = subprocess.Popen(args + ["--port", str(port), "--dir", workdir],
                            stdout=open(os.path.join(workdir, name + ".log"), "w"),
                            stderr=subprocess.STDOUT)
    r = redis.Redis(port=port)
    for _ in range(200):
        try:
            r.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    load(port)
    time.sleep(1)
    base = pss_kb(proc.pid)
    bench = subprocess.Popen(["redis-benchmark", "-p", str(port), "-c", str(CLIENTS), "-n",
                              "100000000", "-r", str(KEYS), "-t", "set", "-d", "26",
                              "--precision", "3"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(1)  # the load runs before the save starts
    # One more client, measured: SETs back to back while the save runs.
    samples, done = [], threading.Event()

    def probe():
        pr = redis.Redis(port=port)
        i = 0
        while not done.is_set():
            t = time.perf_counter()
            pr.set(f"key:{i % KEYS:012d}", "probe")
            samples.append(time.perf_counter() - t)
            i += 7919
    prober = threading.Thread(target=probe)
    peak = base
    start = time.time()
    r.bgsave()
    prober.start()
    while True:
        peak = max(peak, pss_kb(proc.pid))
        if r.info("persistence")["rdb_bgsave_in_progress"] == 0 and time.time() - start > 0.2:
            break
        time.sleep(0.005)
    took = time.time() - start
    done.set()
    prober.join()
    bench.terminate()
    bench.communicate()
    samples.sort()
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1000
    lat = (0, 0, f"{pick(0.5):.3f}", 0, f"{pick(0.99):.3f}", f"{samples[-1] * 1000:.3f}")
    status = r.info("persistence")["rdb_last_bgsave_status"]
    size = os.path.getsize(os.path.join(workdir, "dump.rdb"))
    proc.kill()
    proc.wait()
    print(f"{name:7s} keys={KEYS} save={took:.2f}s status={status} file={size >> 20}MB "
          f"base_pss={base >> 10}MB peak_growth={(peak - base) >> 10}MB "
          f"write p50={lat[2]}ms p99={lat[4]}ms max={lat[5]}ms")


def load_seconds(args, workdir):
    """From start to serving all KEYS keys of workdir's dump.rdb."""
    port = free_port()
    start = time.perf_counter()
    proc = subprocess.Popen(args + ["--port", str(port), "--dir", workdir],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    r = redis.Redis(port=port)
    try:
        while True:
            try:
                if r.dbsize() >= KEYS:
                    return time.perf_counter() - start
            except (redis.ConnectionError, redis.BusyLoadingError):
                pass
            if proc.poll() is not None:
                return float("nan")
            time.sleep(0.002)
    finally:
        proc.kill()
        proc.wait()


def main():
    work = tempfile.mkdtemp(prefix="magpie-bgsave-")
    redis_args = ["/usr/bin/redis-server", "--save", "", "--appendonly", "no"]
    magpie_args = [MAGPIE, "--threads", "2", "--shards", SHARDS]
    try:
        run("redis", redis_args, work)
        # Both load the same file, redis-server's, in alternation.
        times = {"redis": [], "magpie": []}
        for _ in range(3):
            times["magpie"].append(load_seconds(magpie_args, work))
            times["redis"].append(load_seconds(redis_args, work))
        for name, t in times.items():
            t.sort()
            print(f"{name:7s} load of redis-server's {KEYS}-key dump: median {t[1]:.2f}s "
                  f"(runs {', '.join(f'{x:.2f}' for x in t)})")
        os.remove(os.path.join(work, "dump.rdb"))
        run("magpie", magpie_args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


main()
