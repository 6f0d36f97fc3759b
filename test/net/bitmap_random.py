#!/usr/bin/python3
"""Random bitmap commands sent to redis-server and magpie-server alike
(run-bits.sh): SETBIT, GETBIT, BITCOUNT and BITPOS with random ranges and
units, BITOP, BITFIELD and BITFIELD_RO with random types, offsets, values
and overflow modes, on a few keys that also get SET to strings and integers.
Every reply must be the same bytes; the arguments stray into the invalid
(negative offsets, u64, bad units, non-numbers) on purpose.

Usage: bitmap_random.py REDIS_PORT MAGPIE_PORT [SEED [COMMANDS]]. Prints the
first differences and ends with "RESULT <passed> <failed>".
"""

import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resp_conn import Conn  # noqa: E402

KEYS = ["a", "b", "c", "n"]
TYPES = ["u1", "u3", "u8", "i8", "i5", "u63", "i64", "i1", "u16", "i32", "u64", "i0"]
ODD = ["-1", "0", "9223372036854775807", "-9223372036854775808", "x", "#3", "#-1", "1.5", ""]


def number(rng):
    r = rng.random()
    if r < 0.3:
        return str(rng.randrange(-20, 80))
    if r < 0.5:
        return str(rng.randrange(-200, 200))
    if r < 0.6:
        return rng.choice(ODD)
    return str(rng.randrange(0, 400))


def bitfield_ops(rng):
    ops = []
    for _ in range(rng.randrange(1, 5)):
        kind = rng.randrange(4)
        if kind == 0:
            ops += ["GET", rng.choice(TYPES), number(rng)]
        elif kind == 1:
            ops += ["SET", rng.choice(TYPES), number(rng), number(rng)]
        elif kind == 2:
            ops += ["INCRBY", rng.choice(TYPES), number(rng), number(rng)]
        else:
            ops += ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL"])]
    return ops


def command(rng):
    k = rng.choice(KEYS)
    op = rng.randrange(12)
    if op == 0:
        return ["SETBIT", k, number(rng), rng.choice(["0", "1", "1", "2"])]
    if op == 1:
        return ["GETBIT", k, number(rng)]
    if op == 2:
        cmd = ["BITCOUNT", k]
        if rng.random() < 0.8:
            cmd += [number(rng), number(rng)]
        if rng.random() < 0.5:
            cmd.append(rng.choice(["BIT", "BYTE", "bit", "x"]))
        return cmd
    if op == 3:
        cmd = ["BITPOS", k, rng.choice(["0", "1", "1", "0", "2"])]
        n = rng.randrange(4)
        if n >= 1:
            cmd.append(number(rng))
        if n >= 2:
            cmd.append(number(rng))
        if n >= 3:
            cmd.append(rng.choice(["BIT", "BYTE"]))
        return cmd
    if op == 4:
        sources = [rng.choice(KEYS + ["missing"]) for _ in range(rng.randrange(1, 4))]
        return ["BITOP", rng.choice(["AND", "OR", "XOR", "NOT"]), rng.choice(KEYS)] + sources
    if op in (5, 6, 7):
        return ["BITFIELD", k] + bitfield_ops(rng)
    if op == 8:
        values = [b"foobar", b"12345", b"-7", b"\xff\x00", b"", b"x" * 50,
                  b"\xff" * rng.randrange(1, 12), b"\xff\xf0\x00\xff\x0f"]
        return ["SET", k, rng.choice(values)]
    if op == 9:
        return ["GET", k]
    if op == 10:
        return ["BITFIELD_RO", k, "GET", rng.choice(TYPES), number(rng)]
    return ["OBJECT", "ENCODING", k]


def main():
    redis, magpie = Conn(int(sys.argv[1])), Conn(int(sys.argv[2]))
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 15)
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 20000
    for c in (redis, magpie):
        c.call("FLUSHALL")
    passed = failed = 0
    for _ in range(count):
        cmd = command(rng)
        a, b = redis.call(*cmd), magpie.call(*cmd)
        if a == b:
            passed += 1
            continue
        failed += 1
        if failed <= 10:
            print("not ok - %r: redis %r, magpie %r" % (cmd, a, b))
    print("%s - %d random bitmap commands" % ("ok" if failed == 0 else "not ok", count))
    print("RESULT %d %d" % (passed, failed))


main()
