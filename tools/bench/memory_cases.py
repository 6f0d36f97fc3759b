#!/usr/bin/python3
"""The data sets of tools/bench/memory-bench.sh, as RESP for redis-cli --pipe.

    memory_cases.py CASE            writes the commands that load CASE
    memory_cases.py CASE --count    prints how many elements CASE holds

Commands push many elements at a time, so loading is quick.
"""

import sys

BATCH = 1000


def resp(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def list_of(key, values):
    for start in range(0, len(values), BATCH):
        yield resp(b"RPUSH", key, *values[start:start + BATCH])


def case_list_ints():
    return list_of(b"list", [b"%d" % (i % 10000) for i in range(1_000_000)]), 1_000_000


def case_list_strings():
    return list_of(b"list", [b"%016d" % i for i in range(1_000_000)]), 1_000_000


def case_set_ints():
    """1,000 keys, each a set of 1,000 integers (past set-max-intset-entries:
    a hashtable in both servers)."""
    members = [b"%d" % (i * 37) for i in range(1000)]
    commands = (resp(b"SADD", b"set:%d" % k, *members) for k in range(1000))
    return commands, 1_000_000


def case_set_strings():
    """One set of 1M 16-byte members."""
    def commands():
        for start in range(0, 1_000_000, BATCH):
            yield resp(b"SADD", b"set", *[b"%016d" % i for i in range(start, start + BATCH)])
    return commands(), 1_000_000


def hset_of(key, fields, values):
    for start in range(0, len(fields), BATCH):
        pairs = []
        for f, v in zip(fields[start:start + BATCH], values[start:start + BATCH]):
            pairs += [f, v]
        yield resp(b"HSET", key, *pairs)


def case_hash_small():
    """10,000 hashes of 100 fields, 8-byte names and values (listpacks)."""
    fields = [b"f%07d" % i for i in range(100)]
    values = [b"v%07d" % i for i in range(100)]

    def commands():
        for k in range(10_000):
            yield from hset_of(b"hash:%05d" % k, fields, values)
    return commands(), 1_000_000


def case_hash_big():
    """One hash of 1M fields, 8-byte names and values (a table)."""
    n = 1_000_000
    return hset_of(b"hash", [b"f%07d" % i for i in range(n)], [b"v%07d" % i for i in range(n)]), n


def zadd_of(key, pairs):
    for start in range(0, len(pairs), BATCH):
        args = []
        for score, member in pairs[start:start + BATCH]:
            args += [score, member]
        yield resp(b"ZADD", key, *args)


def case_zset_big():
    """One sorted set of 1M 16-byte members, scores in a scattered order
    (inserts land all over the order, not only at its end)."""
    n = 1_000_000
    return zadd_of(b"zset", [(b"%d" % ((i * 7919) % 1_000_003), b"%016d" % i)
                             for i in range(n)]), n


def case_zset_small():
    """10,000 sorted sets of 100 members, 8-byte members (listpacks)."""
    pairs = [(b"%d" % (i * 3), b"m%07d" % i) for i in range(100)]

    def commands():
        for k in range(10_000):
            yield from zadd_of(b"zset:%05d" % k, pairs)
    return commands(), 1_000_000


CASES = {
    "list-ints": case_list_ints,
    "list-strings": case_list_strings,
    "set-ints": case_set_ints,
    "set-strings": case_set_strings,
    "hash-small": case_hash_small,
    "hash-big": case_hash_big,
    "zset-big": case_zset_big,
    "zset-small": case_zset_small,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in CASES:
        sys.exit("usage: memory_cases.py %s [--count]" % "|".join(CASES))
    commands, count = CASES[sys.argv[1]]()
    if "--count" in sys.argv:
        print(count)
        return
    out = sys.stdout.buffer
    for command in commands:
        out.write(command)


if __name__ == "__main__":
    main()
