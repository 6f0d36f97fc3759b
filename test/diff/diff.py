#!/usr/bin/python3
"""Differential test driver: runs the case files of test/diff/cases against
two servers (a reference redis-server and the server under test), step by
step, and compares the raw reply bytes. Raw sockets only.

Usage: diff.py --ref PORT --test PORT [--ref-name N] [--test-name N]
               [--verbose] CASEFILE...
Prints every mismatch (file:line, command, both replies) and ends with
    RESULT <passed> <failed>
where every compared step is one test."""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from case_parser import CaseError, parse_file  # noqa: E402
from compare import compare, escape, show  # noqa: E402
from resp_reader import (BadReply, Closed, Conn, Reply, Timeout,  # noqa: E402
                         encode_command)

# The probe that ends a !raw: an unknown command, because its error comes
# back whatever the connection's state (even unauthenticated), and names it.
PROBE = b"__magpie_diff_probe__"


class Unresponsive(Exception):
    """A server timed out several times in a row: give up on the file."""


class Server:
    """One side of the comparison: its named connections."""

    MAX_TIMEOUTS = 3

    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.conns = {}
        self.current = "main"
        self.timeouts = 0

    def conn(self):
        c = self.conns.get(self.current)
        if c is None or c.closed:
            c = Conn(self.port)
            self.conns[self.current] = c
        return c

    def drop(self, name=None):
        c = self.conns.pop(name or self.current, None)
        if c is not None:
            c.close()

    def drop_all(self):
        for name in list(self.conns):
            self.drop(name)

    def command(self, args):
        """Sends one command and returns its outcome."""
        c = self.conn()
        c.send(encode_command(args))
        return self.read(c)

    def read(self, c, timeout=None):
        try:
            r = c.read_reply(timeout)
            self.timeouts = 0
            return r
        except Closed:
            return "<connection closed>"
        except Timeout:
            c.close()
            self.timeouts += 1
            if self.timeouts >= self.MAX_TIMEOUTS:
                raise Unresponsive(self.name) from None
            return "<timeout: no reply>"
        except BadReply as e:
            c.close()
            return "<not RESP: %s>" % e

    def raw(self, data):
        """Sends raw bytes then a probe: everything before the probe's reply
        is what the raw bytes produced; '<closed>' when the server closed
        the connection instead of answering the probe."""
        c = self.conn()
        c.send(data)
        c.send(encode_command([PROBE]))
        got = []
        while True:
            r = self.read(c)
            if isinstance(r, Reply):
                if r.kind == "-" and PROBE in r.raw:
                    return b"".join(got)
                got.append(r.raw)
                continue
            if r == "<connection closed>":
                return b"".join(got) + b" <closed>"
            return b"".join(got) + (" " + r).encode()

    def rawclose(self, data):
        """Sends raw bytes that must make the server close the connection
        (no probe: its newline would change how the bytes parse); the
        replies up to the close, or ' <still open>' after 2 s."""
        c = self.conn()
        c.send(data)
        got = []
        while True:
            r = self.read(c, timeout=2.0)
            if isinstance(r, Reply):
                got.append(r.raw)
                continue
            if r == "<connection closed>":
                return b"".join(got) + b" <closed>"
            if r.startswith("<timeout"):
                return b"".join(got) + b" <still open>"
            return b"".join(got) + (" " + r).encode()

    def scanall(self, args):
        """Iterates SCAN to cursor 0: the sorted list of distinct keys, or
        the first reply that is not a well-formed SCAN page."""
        cursor = b"0"
        keys = set()
        for _ in range(100000):
            r = self.command([b"SCAN", cursor] + args)
            if not isinstance(r, Reply) or r.kind != "*" or len(r.value or []) != 2:
                return r
            cur, page = r.value
            if cur.kind != "$" or page.kind != "*":
                return r
            keys.update(k.value for k in page.value)
            cursor = cur.value
            if cursor == b"0":
                return sorted(keys)
        return "<SCAN did not terminate>"


class Runner:
    def __init__(self, ref, test, verbose):
        self.ref = ref
        self.test = test
        self.verbose = verbose
        self.passed = 0
        self.failed = 0

    def report(self, step, reason, a, b):
        self.failed += 1
        print("FAIL %s: %s" % (step.where(), step.text[:300]))
        print("    %-7s %s" % (self.ref.name + ":", a))
        print("    %-7s %s" % (self.test.name + ":", b))
        print("    (%s)" % reason)

    def check(self, step, marker, a, b):
        reason = compare(marker, a, b)
        if reason is None:
            self.passed += 1
            if self.verbose:
                print("ok   %s: %s  ->  %s" % (step.where(), step.text[:120], show(a)[:200]))
        else:
            self.report(step, reason, show(a), show(b))

    def both(self, fn):
        return fn(self.ref), fn(self.test)

    def run_file(self, steps, name):
        for s in (self.ref, self.test):
            s.drop_all()
            s.current = "main"
            s.timeouts = 0
        a, b = self.both(lambda s: s.command([b"FLUSHALL"]))
        ok = b"+OK\r\n"
        if not (isinstance(a, Reply) and a.raw == ok and isinstance(b, Reply) and b.raw == ok):
            print("FAIL %s: FLUSHALL before the file: %s / %s" % (name, show(a), show(b)))
            self.failed += 1
            return
        for step in steps:
            try:
                self.run_step(step)
            except Unresponsive as e:
                self.failed += 1
                print("FAIL %s: %s timed out %d times in a row: rest of the file skipped"
                      % (step.where(), e, Server.MAX_TIMEOUTS))
                return

    def run_repeat(self, step):
        """!repeat A B CMD: every reply compared; one test, failing at the
        first mismatch (reported with its i)."""
        first, last = int(step.args[0]), int(step.args[1])
        for i in range(first, last + 1):
            args = _substitute(step.args[2:], i)
            a, b = self.both(lambda s: s.command(args))
            reason = compare(None, a, b)
            if reason is not None:
                self.report(step, "%s (at i=%d)" % (reason, i), show(a), show(b))
                return
        self.check(step, None, Reply(b"same replies", "repeat", None), Reply(b"same replies", "repeat", None))

    def run_step(self, step):
        k = step.kind
        if k == "cmd":
            a, b = self.both(lambda s: s.command(step.args))
            self.check(step, step.marker, a, b)
        elif k in ("resp3", "resp2"):
            proto = b"3" if k == "resp3" else b"2"
            a, b = self.both(lambda s: s.command([b"HELLO", proto]))
            self.check(step, ("~fields", ["id"]), a, b)
        elif k == "flush":
            a, b = self.both(lambda s: s.command([b"FLUSHALL"]))
            self.check(step, None, a, b)
        elif k == "sleep":
            time.sleep(float(step.args[0]))
        elif k == "raw":
            data = b"".join(step.args)
            a, b = self.both(lambda s: s.raw(data))
            self.check(step, None, Reply(a, "raw", None), Reply(b, "raw", None))
        elif k == "rawclose":
            data = b"".join(step.args)
            a, b = self.both(lambda s: s.rawclose(data))
            self.check(step, None, Reply(a, "raw", None), Reply(b, "raw", None))
        elif k == "send":
            data = b"".join(step.args)
            for s in (self.ref, self.test):
                s.conn().send(data)
        elif k == "repeat":
            self.run_repeat(step)
        elif k == "newconn":
            for s in (self.ref, self.test):
                s.drop()
        elif k == "conn":
            for s in (self.ref, self.test):
                s.current = step.args[0].decode()
        elif k == "scanall":
            a, b = self.both(lambda s: s.scanall(step.args))
            if isinstance(a, list) and isinstance(b, list):
                if a == b:
                    shown = b"%d keys" % len(a)
                    self.check(step, None, Reply(shown, "keys", None), Reply(shown, "keys", None))
                else:
                    only_a = sorted(set(a) - set(b))
                    only_b = sorted(set(b) - set(a))
                    self.report(step, "SCAN iterations returned different keys",
                                "%d keys, only here: %s" % (len(a), _keys(only_a)),
                                "%d keys, only here: %s" % (len(b), _keys(only_b)))
            else:
                self.check(step, None, _scan_outcome(a), _scan_outcome(b))
        else:
            raise CaseError("%s: unhandled directive %s" % (step.where(), k))


def _substitute(args, i):
    return [a.replace(b"$i", b"%d" % i) for a in args]


def _keys(keys):
    shown = ", ".join(escape(k, 60) for k in keys[:20])
    return shown + (" ..." if len(keys) > 20 else "")


def _scan_outcome(x):
    return Reply(b"<keys %r>" % x, "*", None) if isinstance(x, list) else x


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--ref", type=int, required=True)
    p.add_argument("--test", type=int, required=True)
    p.add_argument("--ref-name", default="redis")
    p.add_argument("--test-name", default="magpie")
    p.add_argument("--verbose", action="store_true")
    p.add_argument("cases", nargs="+")
    opt = p.parse_args()
    runner = Runner(Server(opt.ref_name, opt.ref), Server(opt.test_name, opt.test), opt.verbose)
    start = time.monotonic()
    for path in opt.cases:
        name = os.path.basename(path)
        try:
            steps = parse_file(path, name)
        except CaseError as e:
            print("FAIL case file error: %s" % e)
            runner.failed += 1
            continue
        before = (runner.passed, runner.failed)
        t0 = time.monotonic()
        try:
            runner.run_file(steps, name)
        except OSError as e:
            print("FAIL %s: cannot talk to a server: %s" % (name, e))
            runner.failed += 1
        print("== %s: %d passed, %d failed (%.1fs)" % (
            name, runner.passed - before[0], runner.failed - before[1], time.monotonic() - t0))
    print("total %.1fs" % (time.monotonic() - start))
    print("RESULT %d %d" % (runner.passed, runner.failed))


if __name__ == "__main__":
    main()
