#!/usr/bin/python3
"""HyperLogLogs moved between redis-server and magpie-server (run-bits.sh).

Both servers get the same PFADDs; after each step the raw values (GET) must
be the same bytes and PFCOUNT the same number, so Magpie keeps Redis's
representation exactly: sparse opcodes, promotion to dense (by value and by
hll-sparse-max-bytes), the cached cardinality. Values then cross over: what
one server built is SET into the other, which must count it, add to it and
merge it exactly as its builder does. Last, corrupted values (bytes of real
HLLs flipped at random) must get the same replies from both: a count, or
Redis's INVALIDOBJ / WRONGTYPE errors, and never a dead server.

Usage: hll_move.py REDIS_PORT MAGPIE_PORT [SEED]. Prints "ok - ..." /
"not ok - ..." lines and ends with "RESULT <passed> <failed>".
"""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resp_conn import Conn  # noqa: E402


passed = failed = 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("not ok - %s %s" % (name, detail))


def same(name, redis, magpie, *cmd):
    a, b = redis.call(*cmd), magpie.call(*cmd)
    check(name, a == b, "%r: redis %r, magpie %r" % (cmd[:4], str(a)[:200], str(b)[:200]))
    return a


def build_both(redis, magpie, rng, key, count, batch):
    """PFADDs the same random elements to key on both, comparing as it goes."""
    for start in range(0, count, batch):
        elems = [b"e%d:%d" % (rng.randrange(1 << 30), i) for i in range(start, min(count, start + batch))]
        same("pfadd %s" % key, redis, magpie, "PFADD", key, *elems)
        same("bytes after pfadd %s" % key, redis, magpie, "GET", key)
        same("pfcount %s" % key, redis, magpie, "PFCOUNT", key)
        same("cached bytes %s" % key, redis, magpie, "GET", key)


def crossover(redis, magpie, rng):
    """A value built by one server, SET into the other, keeps working."""
    for size in (3, 200, 1500, 30000):
        src = "src%d" % size
        build_both(redis, magpie, rng, src, size, max(1, size // 7))
        for builder, other in ((redis, magpie), (magpie, redis)):
            raw = builder.call("GET", src)
            other.call("SET", "moved", raw)
            builder.call("SET", "moved", raw)
            same("count moved %d" % size, redis, magpie, "PFCOUNT", "moved")
            extra = [b"x%d" % rng.randrange(1 << 40) for _ in range(50)]
            same("add to moved %d" % size, redis, magpie, "PFADD", "moved", *extra)
            same("moved bytes %d" % size, redis, magpie, "GET", "moved")
            same("merge moved %d" % size, redis, magpie, "PFMERGE", "merged", "moved", src)
            same("merged bytes %d" % size, redis, magpie, "GET", "merged")
            same("union count %d" % size, redis, magpie, "PFCOUNT", "moved", src, "nothere")
            for c in (redis, magpie):
                c.call("DEL", "moved", "merged")


def sparse_limits(redis, magpie, rng):
    for limit in (0, 40, 300, 20000):
        for c in (redis, magpie):
            c.call("CONFIG", "SET", "hll-sparse-max-bytes", limit)
            c.call("DEL", "lim", "lim2")
        build_both(redis, magpie, rng, "lim", 400, 37)
        build_both(redis, magpie, rng, "lim2", 30, 1)
        same("merge under limit %d" % limit, redis, magpie, "PFMERGE", "lim3", "lim2", "lim")
        same("merged under limit %d" % limit, redis, magpie, "GET", "lim3")
    for c in (redis, magpie):
        c.call("CONFIG", "SET", "hll-sparse-max-bytes", 3000)


def corrupt(redis, magpie, rng, rounds):
    bases = []
    for size in (5, 60, 700):
        key = "base%d" % size
        build_both(redis, magpie, rng, key, size, size)
        bases.append(redis.call("GET", key))
    dense_src = "dense"
    build_both(redis, magpie, rng, dense_src, 5000, 1000)
    bases.append(redis.call("GET", dense_src))
    for r in range(rounds):
        value = bytearray(rng.choice(bases))
        for _ in range(rng.randrange(1, 4)):
            pos = rng.randrange(16 if rng.random() < 0.9 else 4, len(value))
            value[pos] = rng.randrange(256)
        if rng.random() < 0.2:
            value = value[: rng.randrange(16, len(value) + 1)]
        if rng.random() < 0.1:
            value += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4)))
        value = bytes(value)
        for c in (redis, magpie):
            c.call("SET", "bad", value)
        tag = "corrupt %d %s" % (r, value.hex()[:80])
        same(tag + " pfcount", redis, magpie, "PFCOUNT", "bad")
        same(tag + " pfcount union", redis, magpie, "PFCOUNT", "bad", "base5")
        same(tag + " pfadd", redis, magpie, "PFADD", "bad", "a%d" % r, "b%d" % r, "c")
        same(tag + " bytes", redis, magpie, "GET", "bad")
        same(tag + " pfmerge", redis, magpie, "PFMERGE", "out", "base60", "bad")
        same(tag + " merged", redis, magpie, "GET", "out")
        for c in (redis, magpie):
            c.call("DEL", "out")


def main():
    redis, magpie = Conn(int(sys.argv[1])), Conn(int(sys.argv[2]))
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 15
    rng = random.Random(seed)
    for c in (redis, magpie):
        c.call("FLUSHALL")
    steps = [
        ("grow one HLL from sparse to dense", lambda: build_both(redis, magpie, rng, "grow", 4000, 97)),
        ("values cross between the servers", lambda: crossover(redis, magpie, rng)),
        ("hll-sparse-max-bytes", lambda: sparse_limits(redis, magpie, rng)),
        ("corrupted values", lambda: corrupt(redis, magpie, rng, 400)),
    ]
    for name, step in steps:
        before = failed
        try:
            step()
        except (ConnectionError, OSError) as e:
            check(name, False, "connection lost: %s" % e)
            break
        print("%s - %s" % ("ok" if failed == before else "not ok", name))
    for name, c in (("redis", redis), ("magpie", magpie)):
        check("%s still answers" % name, c.call("PING") == ("ok", b"PONG"))
    print("RESULT %d %d" % (passed, failed))


main()
