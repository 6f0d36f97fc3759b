#!/usr/bin/python3
"""RDB and DUMP/RESTORE interop between magpie-server and redis-server 7.0.

Each check starts its own servers on free ports in a temporary directory:
a Magpie dump must load in redis-server (and pass redis-check-rdb) with
every key, type, value and TTL; a redis-server dump with every encoding must
load in Magpie; DUMP payloads must RESTORE both ways; sorted sets both ways; a dump
holding a type Magpie lacks must be refused with the key and the type named;
an AOF directory with an RDB base must load both ways; after each move DEBUG
DIGEST must be the same in both servers.
Usage: rdb_interop.py MAGPIE_SERVER    Prints "ok"/"not ok" lines and RESULT.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

import redis

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from resp_conn import Conn  # noqa: E402

MAGPIE = sys.argv[1]
REDIS = "/usr/bin/redis-server"
CHECK = "/usr/bin/redis-check-rdb"
CHECK_AOF = "/usr/bin/redis-check-aof"
passed = failed = 0


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, kind, workdir, *extra):
        self.port = free_port()
        self.log = os.path.join(workdir, f"{kind}-{self.port}.log")
        if kind == "redis":
            args = [REDIS, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", workdir,
                    "--save", "", "--appendonly", "no", "--enable-debug-command", "yes"]
        else:
            args = [MAGPIE, "--port", str(self.port), "--dir", workdir, "--threads", "2",
                    "--enable-debug-command", "yes"]
        self.proc = subprocess.Popen(args + list(extra), stdout=open(self.log, "w"),
                                     stderr=subprocess.STDOUT)
        self.r = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                if self.r.ping():
                    return
            except redis.ConnectionError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.05)
        raise RuntimeError(f"{kind} did not start: " + open(self.log).read()[-2000:])

    def stop(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print(f"ok - {name}")
    else:
        failed += 1
        print(f"not ok - {name}")
        if detail:
            print("    " + str(detail)[:2000].replace("\n", "\n    "))


def populate(r):
    """Every type Magpie has, in small and large encodings, with TTLs."""
    r.set("str", "hello")
    r.set("int", "12345")
    r.set("bigint", "-9000000000123")
    r.set("long", "x" * 300)
    r.set("ttl", "v", px=500000)
    r.rpush("list:small", "a", "1", "b")
    r.rpush("list:big", *[f"element-{i}" for i in range(5000)])
    r.rpush("list:huge-element", "y" * 20000, "z")
    r.sadd("set:intset", 1, 2, 3, -70000)
    r.sadd("set:small", "a", "b", "c")
    r.sadd("set:big", *[f"m{i}" for i in range(1000)])
    r.sadd("set:bigint", *range(1000))
    r.hset("hash:small", mapping={"f": "v", "n": "7"})
    r.hset("hash:big", mapping={f"f{i}": str(i) for i in range(1000)})
    r.hset("hash:longvalue", "f", "q" * 100)
    r.expire("hash:big", 100000)
    r.zadd("zset:small", {"a": 1.5, "b": 2, "c": float("inf"), "d": float("-inf"), "e": -3})
    r.zadd("zset:big", {f"m{i}": i * 0.5 - 7 for i in range(1000)})
    r.zadd("zset:longmember", {"w" * 100: 1, "x": 0.1, "y": float("-inf")})
    r.expire("zset:big", 100000)
    r.select(5)
    r.set("in-db5", "five")
    r.select(0)


def snapshot(r, db=0):
    """Every key of a database: type, TTL bucket and value, order-free."""
    r.select(db)
    out = {}
    for key in r.keys("*"):
        t = r.type(key).decode()
        ttl = r.pttl(key)
        ttl = "none" if ttl < 0 else "some"
        if t == "string":
            v = r.get(key)
        elif t == "list":
            v = r.lrange(key, 0, -1)
        elif t == "set":
            v = sorted(r.smembers(key))
        elif t == "hash":
            v = sorted(r.hgetall(key).items())
        elif t == "zset":
            v = r.zrange(key, 0, -1, withscores=True)
        else:
            v = None
        out[key] = (t, ttl, v)
    r.select(0)
    return out


def digest(r):
    return r.execute_command("DEBUG", "DIGEST")


def magpie_to_redis(base):
    d = tempfile.mkdtemp(dir=base)
    m = Server("magpie", d)
    populate(m.r)
    expect = (snapshot(m.r), snapshot(m.r, 5))
    expect_digest = digest(m.r)
    check("magpie SAVE", m.r.save())
    m.stop()
    rc = subprocess.run([CHECK, os.path.join(d, "dump.rdb")], capture_output=True, text=True)
    check("redis-check-rdb accepts a Magpie dump", rc.returncode == 0, rc.stdout + rc.stderr)
    r = Server("redis", d)
    got = (snapshot(r.r), snapshot(r.r, 5))
    check("redis-server loads a Magpie dump: every key, type, value and TTL", got == expect,
          set(expect[0].items()) ^ set(got[0].items()) if got != expect else "")
    check("redis-server's DEBUG DIGEST of the loaded dump is Magpie's before the save",
          digest(r.r) == expect_digest, (digest(r.r), expect_digest))
    r.stop()


def redis_to_magpie(base):
    d = tempfile.mkdtemp(dir=base)
    r = Server("redis", d)
    populate(r.r)
    expect = (snapshot(r.r), snapshot(r.r, 5))
    expect_digest = digest(r.r)
    encodings = {k: r.r.object("encoding", k) for k in r.r.keys("*")}
    check("redis SAVE", r.r.save())
    r.stop()
    m = Server("magpie", d)
    got = (snapshot(m.r), snapshot(m.r, 5))
    check("magpie loads a redis-server dump with every encoding " +
          str(sorted(set(e.decode() for e in encodings.values()))), got == expect,
          set(expect[0].items()) ^ set(got[0].items()) if got != expect else "")
    check("Magpie's DEBUG DIGEST of the loaded dump is redis-server's before the save",
          digest(m.r) == expect_digest, (digest(m.r), expect_digest))
    m.stop()


def digest_command(base):
    # DEBUG DIGEST and DIGEST-VALUE of the same data, reply for reply as
    # redis-server's: every type and encoding, TTLs, another database, and
    # a list whose nodes are compressed.
    d = tempfile.mkdtemp(dir=base)
    got = {}
    for kind in ("redis", "magpie"):
        srv = Server(kind, d, "--dbfilename", f"digest-{kind}.rdb", "--list-compress-depth", "1")
        populate(srv.r)
        srv.r.rpush("list:packed", *[f"compressible element {i % 7}" for i in range(3000)])
        keys = sorted(srv.r.keys("*"))
        c = Conn(srv.port)
        got[kind] = [c.call("DEBUG", "DIGEST-VALUE", *keys), c.call("DEBUG", "DIGEST"),
                     c.call("DEBUG", "DIGEST-VALUE"), c.call("DEBUG", "DIGEST-VALUE", "missing"),
                     c.call("DEBUG", "DIGEST", "extra"), c.call("FLUSHALL"),
                     c.call("DEBUG", "DIGEST")]
        srv.stop()
    check("DEBUG DIGEST and DIGEST-VALUE answer as redis-server's for the same data",
          got["magpie"] == got["redis"], list(zip(got["redis"], got["magpie"])))


def unsupported_type(base):
    d = tempfile.mkdtemp(dir=base)
    r = Server("redis", d)
    r.r.set("fine", "v")
    r.r.xadd("mystream", {"f": "v"})
    r.r.save()
    r.stop()
    try:
        m = Server("magpie", d)
        m.stop()
        check("a dump with a stream is refused", False, "magpie started")
    except RuntimeError as e:
        msg = str(e)
        check("a dump with a stream is refused, naming the key and the type",
              "mystream" in msg and "stream" in msg, msg)


def dump_restore(base):
    d = tempfile.mkdtemp(dir=base)
    m, r = Server("magpie", d), Server("redis", d)
    populate(r.r)
    keys = [k for k in r.r.keys("*")]
    ok_mr = ok_rm = True
    for k in keys:
        payload = r.r.dump(k)
        m.r.restore(k, 0, payload, replace=True)
        if snapshot_one(m.r, k) != snapshot_one(r.r, k):
            ok_mr = False
            print(f"    redis->magpie mismatch on {k}")
        back = m.r.dump(k)
        r.r.restore(b"back:" + k, 0, back)
        if snapshot_one(r.r, b"back:" + k) != snapshot_one(r.r, k):
            ok_rm = False
            print(f"    magpie->redis mismatch on {k}")
    check("DUMP from redis-server RESTOREs in Magpie (every key)", ok_mr)
    check("DUMP from Magpie RESTOREs in redis-server (every key)", ok_rm)
    r.r.zadd("z", {"a": 1, "b": 2.5, "c": float("inf")})
    m.r.restore("z", 0, r.r.dump("z"))
    check("a small zset DUMPs byte for byte as redis-server's", m.r.dump("z") == r.r.dump("z"))
    m.stop()
    r.stop()


def snapshot_one(r, key):
    t = r.type(key).decode()
    if t == "string":
        return r.get(key)
    if t == "list":
        return r.lrange(key, 0, -1)
    if t == "set":
        return sorted(r.smembers(key))
    if t == "hash":
        return sorted(r.hgetall(key).items())
    if t == "zset":
        return r.zrange(key, 0, -1, withscores=True)
    return t


def lifecycle(base):
    d = tempfile.mkdtemp(dir=base)
    m = Server("magpie", d, "--save", "3600 1")
    populate(m.r)
    expect = snapshot(m.r)
    check("BGSAVE starts", m.r.bgsave())
    for _ in range(100):
        if m.r.info("persistence")["rdb_bgsave_in_progress"] == 0:
            break
        time.sleep(0.05)
    info = m.r.info("persistence")
    check("BGSAVE ends ok", info["rdb_last_bgsave_status"] == "ok" and
          info["rdb_changes_since_last_save"] == 0, info)
    check("DEBUG RELOAD keeps every key", m.r.execute_command("DEBUG", "RELOAD") and
          snapshot(m.r) == expect)
    m.r.set("after", "reload")
    m.stop(signal.SIGTERM)  # save rules set: SIGTERM saves
    m = Server("magpie", d)
    check("SIGTERM with save rules saved; the restart loaded it",
          m.r.get("after") == b"reload" and len(m.r.keys("*")) == len(expect) + 1)
    m.r.set("more", "1")
    try:
        m.r.shutdown(save=True)
    except redis.ConnectionError:
        pass
    m.proc.wait(timeout=30)
    m = Server("magpie", d)
    check("SHUTDOWN SAVE saved", m.r.get("more") == b"1")
    m.r.set("lost", "1")
    try:
        m.r.shutdown(nosave=True)
    except redis.ConnectionError:
        pass
    m.proc.wait(timeout=30)
    m = Server("magpie", d)
    check("SHUTDOWN NOSAVE did not save", m.r.get("lost") is None)
    m.stop()


def reload_events(base):
    # A load announces its keys to the server's own observers, never to
    # subscribers: DEBUG RELOAD publishes nothing under KEA, as Redis.
    d = tempfile.mkdtemp(dir=base)
    seen = {}
    for kind in ("redis", "magpie"):
        srv = Server(kind, d, "--dbfilename", f"{kind}.rdb", "--notify-keyspace-events", "KEA")
        srv.r.set("a", "1")
        p = srv.r.pubsub()
        p.psubscribe("*")
        p.get_message(timeout=1)  # the psubscribe reply
        srv.r.execute_command("DEBUG", "RELOAD")
        srv.r.set("mark", "1")  # its events end what the reload sent
        got = []
        for _ in range(20):
            m = p.get_message(timeout=1)
            if m is None or b"mark" in (m["data"], m["channel"][-4:]):
                break
            got.append((m["channel"], m["data"]))
        seen[kind] = got
        p.close()
        srv.stop()
    check("DEBUG RELOAD publishes the same events as redis-server (none)",
          seen["magpie"] == seen["redis"], seen)
    # Nor does it invalidate the loaded keys one by one: a BCAST tracking
    # client hears the flush (a null), as from redis-server.
    seen = {}
    for kind in ("redis", "magpie"):
        srv = Server(kind, d, "--dbfilename", f"{kind}.rdb")
        sub, c = Conn(srv.port), Conn(srv.port)
        sub_id = sub.call("CLIENT", "ID")
        sub.call("SUBSCRIBE", "__redis__:invalidate")
        c.call("CLIENT", "TRACKING", "on", "REDIRECT", sub_id, "BCAST")
        c.call("SET", "a", "1")
        c.call("DEBUG", "RELOAD")
        c.call("SET", "mark", "1")
        got = []
        for _ in range(20):
            m = sub.read()
            got.append(m)
            if m[2] == [b"mark"]:
                break
        seen[kind] = got
        srv.stop()
    check("DEBUG RELOAD invalidates as redis-server does (a flush)",
          seen["magpie"] == seen["redis"], seen)


def same_replies(name, d, tag, steps):
    # Runs the steps on a fresh redis-server and a fresh Magpie in d (each
    # with a dump file of its own) and checks that every reply is the same.
    got = {}
    for kind in ("redis", "magpie"):
        srv = Server(kind, d, "--dbfilename", f"{tag}-{kind}.rdb")
        c = Conn(srv.port)
        got[kind] = [c.call(*step) for step in steps]
        srv.stop()
    check(name, got["magpie"] == got["redis"], list(zip(steps, got["redis"], got["magpie"])))


def reload_options(base):
    # DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE], reply for reply as from
    # redis-server (except after a load that fails: Redis has emptied the
    # keyspace by then, Magpie leaves it as it was).
    d = tempfile.mkdtemp(dir=base)
    steps = [("SET", "a", "1"), ("DEBUG", "RELOAD", "BOGUS"), ("DEBUG", "RELOAD", "NOSAVE"),
             ("FLUSHALL",), ("SET", "a", "1"), ("SAVE",), ("SET", "b", "2"),
             ("DEBUG", "RELOAD", "NOSAVE"), ("GET", "b"), ("SET", "a", "new"), ("SET", "c", "3"),
             ("DEBUG", "RELOAD", "NOFLUSH", "NOSAVE", "MERGE"), ("GET", "a"), ("GET", "c"),
             ("DBSIZE",), ("DEBUG", "RELOAD", "merge"), ("DBSIZE",), ("DEBUG", "RELOAD"),
             ("GET", "a")]
    same_replies("DEBUG RELOAD's options answer as redis-server's", d, "options", steps)


def populate_command(base):
    # DEBUG POPULATE, reply for reply and byte for byte as redis-server's;
    # Magpie logs each key as a SET, so the AOF brings them back even where
    # DEBUG is not allowed.
    d = tempfile.mkdtemp(dir=base)
    steps = [("DEBUG", "POPULATE", "5"), ("SET", "key:1", "mine"), ("DEBUG", "POPULATE", "7"),
             ("DBSIZE",), ("GET", "key:1"), ("GET", "key:6"),
             ("DEBUG", "POPULATE", "3", "pre", "12"), ("GET", "pre:2"),
             ("DEBUG", "POPULATE", "12", "p2", "3"), ("GET", "p2:11"),
             ("DEBUG", "POPULATE", "-1"), ("DEBUG", "POPULATE", "abc"),
             ("DEBUG", "POPULATE", "1", "a", "-5"), ("DEBUG", "POPULATE", "1", "a", "b", "c"),
             ("DEBUG", "POPULATE", "0"), ("DBSIZE",)]
    same_replies("DEBUG POPULATE answers and fills as redis-server's", d, "populate", steps)
    aof = os.path.join(d, "aof")
    os.mkdir(aof)
    m = Server("magpie", aof, "--appendonly", "yes")
    Conn(m.port).call("DEBUG", "POPULATE", "1000")
    m.stop(signal.SIGTERM)
    m = Server("magpie", aof, "--appendonly", "yes", "--enable-debug-command", "no")
    check("DEBUG POPULATE's keys come back from the AOF without DEBUG",
          m.r.dbsize() == 1000 and m.r.get("key:999") == b"value:999")
    m.stop()


def read_until(sock, end):
    data = b""
    while not data.endswith(end):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data[:-len(end)]


def protocol_samples(base):
    # DEBUG PROTOCOL's sample of every RESP type, byte for byte as
    # redis-server's, under RESP2 and RESP3 (each reply read up to the ECHO
    # sent after it).
    d = tempfile.mkdtemp(dir=base)
    types = ["string", "integer", "double", "bignum", "null", "array", "set", "map", "attrib",
             "push", "verbatim", "true", "false", "bogus"]
    got = {}
    for kind in ("redis", "magpie"):
        srv = Server(kind, d, "--dbfilename", f"protocol-{kind}.rdb")
        sock = socket.create_connection(("127.0.0.1", srv.port), timeout=20)
        got[kind] = []
        for proto in ("2", "3"):
            sock.sendall(f"HELLO {proto}\r\nECHO hello-done\r\n".encode())
            read_until(sock, b"$10\r\nhello-done\r\n")  # HELLO names the server
            for t in types + ["PUSH extra"]:
                sock.sendall(f"DEBUG PROTOCOL {t}\r\nECHO end\r\n".encode())
                got[kind].append((proto, t, read_until(sock, b"$3\r\nend\r\n")))
        sock.close()
        srv.stop()
    check("DEBUG PROTOCOL answers as redis-server's in RESP2 and RESP3",
          got["magpie"] == got["redis"],
          [(a, b) for a, b in zip(got["redis"], got["magpie"]) if a != b])


def misconf(base):
    d = tempfile.mkdtemp(dir=base)
    sub = os.path.join(d, "gone")
    os.mkdir(sub)
    m = Server("magpie", d, "--save", "3600 1", "--enable-protected-configs", "yes")
    m.r.config_set("dir", sub)
    os.rmdir(sub)  # the next save cannot open its file
    m.r.set("a", "1")
    m.r.bgsave()
    for _ in range(100):
        if m.r.info("persistence")["rdb_bgsave_in_progress"] == 0:
            break
        time.sleep(0.05)
    try:
        m.r.set("a", "2")
        check("a failed BGSAVE refuses writes with MISCONF", False)
    except redis.ResponseError as e:
        check("a failed BGSAVE refuses writes with MISCONF", str(e).startswith("MISCONF"), e)
    check("reads still work after a failed BGSAVE", m.r.get("a") == b"1")
    m.r.config_set("stop-writes-on-bgsave-error", "no")
    check("stop-writes-on-bgsave-error no lets writes through", m.r.set("a", "3"))
    m.stop()


def wait_rewrite(r):
    """Until no AOF rewrite runs or waits; the number done."""
    for _ in range(200):
        info = r.info("persistence")
        if info["aof_rewrite_in_progress"] == 0 and info["aof_rewrite_scheduled"] == 0:
            return info["aof_rewrites"]
        time.sleep(0.05)
    return -1


def aof_dir_both_ways(base):
    """An AOF directory with an RDB base (aof-use-rdb-preamble yes, the
    default of both) and records after it moves both ways."""
    for source, target in (("magpie", "redis"), ("redis", "magpie")):
        d = tempfile.mkdtemp(dir=base)
        s = Server(source, d, "--appendonly", "yes")
        populate(s.r)
        s.r.bgrewriteaof()
        wait_rewrite(s.r)
        s.r.set("after-rewrite", "1")
        s.r.rpush("list:small", "appended")
        expect = (snapshot(s.r), snapshot(s.r, 5))
        expect_digest = digest(s.r)
        s.stop(signal.SIGTERM)
        aofdir = os.path.join(d, "appendonlydir")
        names = sorted(os.listdir(aofdir))
        check(f"{source}'s AOF directory has an RDB base",
              any(n.endswith(".base.rdb") for n in names), names)
        if source == "magpie":
            rc = subprocess.run([CHECK_AOF, os.path.join(aofdir, "appendonly.aof.manifest")],
                                capture_output=True, text=True)
            check("redis-check-aof accepts Magpie's RDB-based AOF directory",
                  "All AOF files and manifest are valid" in rc.stdout, rc.stdout + rc.stderr)
        t = Server(target, d, "--appendonly", "yes")
        got = (snapshot(t.r), snapshot(t.r, 5))
        check(f"{target} loads {source}'s AOF directory: every key, type, value and TTL",
              got == expect,
              set(expect[0].items()) ^ set(got[0].items()) if got != expect else "")
        check(f"{target}'s DEBUG DIGEST after the load is {source}'s",
              digest(t.r) == expect_digest, (digest(t.r), expect_digest))
        t.stop()


def old_single_file(base):
    """The single AOF file of Redis before 7: redis-server's dump as the RDB
    preamble, then commands. redis-server 7.0 and Magpie each adopt a copy
    as a new directory's base and end with the same keyspace."""
    d = tempfile.mkdtemp(dir=base)
    s = Server("redis", d)
    populate(s.r)
    check("redis SAVE for the preamble", s.r.save())
    s.stop()
    tail = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n"
    tail += b"*3\r\n$3\r\nSET\r\n$9\r\nfrom-tail\r\n$1\r\n1\r\n"
    tail += b"*3\r\n$5\r\nRPUSH\r\n$10\r\nlist:small\r\n$4\r\ntail\r\n"
    old = open(os.path.join(d, "dump.rdb"), "rb").read() + tail
    got = {}
    for kind in ("redis", "magpie"):
        k = tempfile.mkdtemp(dir=base)
        with open(os.path.join(k, "appendonly.aof"), "wb") as f:
            f.write(old)
        t = Server(kind, k, "--appendonly", "yes")
        got[kind] = (snapshot(t.r), snapshot(t.r, 5))
        t.stop()
        manifest = open(os.path.join(k, "appendonlydir", "appendonly.aof.manifest")).read()
        check(f"{kind} adopts an old single AOF file as its base",
              manifest.startswith("file appendonly.aof seq 1 type b\n"), manifest)
    differ = [key for key in set(got["redis"][0]) | set(got["magpie"][0])
              if got["redis"][0].get(key) != got["magpie"][0].get(key)]
    check("both load the old file's preamble and tail alike",
          got["redis"] == got["magpie"] and got["magpie"][0].get(b"from-tail") is not None,
          differ)


def main():
    base = tempfile.mkdtemp(prefix="magpie-rdb-")
    try:
        for test in (magpie_to_redis, redis_to_magpie, digest_command, unsupported_type,
                     dump_restore, lifecycle, reload_events, reload_options, populate_command,
                     protocol_samples, misconf, aof_dir_both_ways, old_single_file):
            try:
                test(base)
            except Exception as e:  # a crash of the check is a failure, not an abort
                check(test.__name__, False, repr(e))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"RESULT {passed} {failed}")


main()
