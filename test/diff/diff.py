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
import re
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

# Several clients at once: how long !reply waits for a pending reply (a
# loaded machine may take a while to wake a client), how long !noreply
# watches for one that must not come, and how long !blocked polls.
REPLY_TIMEOUT = 5.0
NOREPLY_WAIT = 0.1
BLOCKED_TIMEOUT = 5.0
BLOCKED_POLL = 0.01
MAX_BLOCKED_FAILURES = 3

# $NAME in arguments: a variable set by !let.
VARIABLE_REF = re.compile(rb"\$([A-Z][A-Z0-9_]*)")

# Steps that read a reply on the current connection: refused while replies
# sent with !nowait are pending there (they would read those instead).
READS_CURRENT = {"cmd", "let", "raw", "rawclose", "scanall", "repeat", "resp3",
                 "resp2", "flush", "recv"}


class Unresponsive(Exception):
    """A server timed out several times in a row (or !blocked failed
    several times in a row): give up on the file."""


class Server:
    """One side of the comparison: its named connections."""

    MAX_TIMEOUTS = 3

    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.conns = {}
        self.current = "main"
        self.timeouts = 0
        self.vars = {}
        self.poller = None  # the hidden connection of !blocked

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
        if self.poller is not None:
            self.poller.close()
            self.poller = None

    def pending(self):
        """The texts of the !nowait commands whose replies the current
        connection has not read yet."""
        c = self.conns.get(self.current)
        return c.pending if c is not None and not c.closed else []

    def subst(self, args):
        """args with $NAME replaced by this server's value of variable NAME
        (names not defined by !let are left alone)."""
        if not self.vars:
            return args
        def one(m):
            return self.vars.get(m.group(1).decode(), m.group(0))
        return [VARIABLE_REF.sub(one, a) for a in args]

    def nowait(self, args, text):
        c = self.conn()
        c.send(encode_command(args))
        c.pending.append(text)

    def reply(self):
        """The oldest pending reply of the current connection."""
        c = self.conns.get(self.current)
        if c is None or c.closed or not c.pending:
            return "<no pending reply on this connection>"
        c.pending.pop(0)
        return self.read(c, timeout=REPLY_TIMEOUT)

    def recv(self, n):
        """The next n frames of the current connection, whatever sent them
        (pub/sub confirmations and messages): one Reply, or for n > 1 a
        Reply of kind '*' holding the n frames; a str when one did not
        come."""
        c = self.conns.get(self.current)
        if c is None or c.closed:
            return "<no open connection>"
        frames = []
        for _ in range(n):
            r = self.read(c, timeout=REPLY_TIMEOUT)
            if not isinstance(r, Reply):
                if frames:
                    return "%s after %d frame(s): %s" % (
                        r, len(frames), escape(b"".join(f.raw for f in frames), 200))
                return r
            frames.append(r)
        if n == 1:
            return frames[0]
        return Reply(b"".join(f.raw for f in frames), "*", frames)

    def unread(self):
        """{connection name: what it received and nobody read} (bytes
        already there; a closed connection has nothing unread)."""
        out = {}
        for name, c in self.conns.items():
            if c.closed or c.pending:
                continue
            if c.poll(0) is True:
                out[name] = escape(c.buf[c.pos:], 200)
        return out

    def anything_sent(self):
        """After the !noreply wait: None when the current connection has
        nothing unread, else what came (left buffered)."""
        c = self.conns.get(self.current)
        if c is None or c.closed:
            return None
        got = c.poll(0)
        if got == "closed":
            return "<connection closed>"
        if got:
            return "<sent %s>" % escape(c.buf[c.pos:], 200)
        return None

    def blocked_clients(self):
        """blocked_clients of INFO clients, read on the hidden connection;
        a str when it cannot be read."""
        if self.poller is None or self.poller.closed:
            self.poller = Conn(self.port)
        self.poller.send(encode_command([b"INFO", b"clients"]))
        try:
            r = self.poller.read_reply(2.0)
        except (Closed, Timeout, BadReply) as e:
            self.poller.close()
            return "<INFO clients failed: %s>" % type(e).__name__
        if r.kind not in "$=" or r.value is None:
            return "<INFO clients replied %s>" % show(r)
        m = re.search(rb"^blocked_clients:(\d+)\r?$", r.value, re.M)
        return int(m.group(1)) if m else "<no blocked_clients in INFO clients>"

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
                raise Unresponsive("%s timed out %d times in a row"
                                   % (self.name, self.MAX_TIMEOUTS)) from None
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
        self.blocked_failures = 0  # !blocked timeouts in a row, per file

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
            s.vars = {}
        self.blocked_failures = 0
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
                print("FAIL %s: %s: rest of the file skipped" % (step.where(), e))
                return
        left = {}
        for s in (self.ref, self.test):
            for cname, c in s.conns.items():
                if c.pending and not c.closed and len(c.pending) > len(left.get(cname, [])):
                    left[cname] = c.pending
        for cname, texts in sorted(left.items()):
            self.failed += 1
            print("FAIL %s: connection %s ends the file with %d unread repl%s (of %s)"
                  % (name, cname, len(texts), "y" if len(texts) == 1 else "ies",
                     "; ".join(texts)))
        # Frames nobody asked for (pub/sub messages) and nobody read.
        ua, ub = self.ref.unread(), self.test.unread()
        for cname in sorted(set(ua) | set(ub)):
            if cname in left:
                continue
            self.failed += 1
            print("FAIL %s: connection %s ends the file with unread data" % (name, cname))
            print("    %-7s %s" % (self.ref.name + ":", ua.get(cname, "nothing")))
            print("    %-7s %s" % (self.test.name + ":", ub.get(cname, "nothing")))

    def run_repeat(self, step):
        """!repeat A B CMD: every reply compared; one test, failing at the
        first mismatch (reported with its i)."""
        first, last = int(step.args[0]), int(step.args[1])
        for i in range(first, last + 1):
            args = _substitute(step.args[2:], i)
            a, b = self.both(lambda s: s.command(s.subst(args)))
            reason = compare(None, a, b)
            if reason is not None:
                self.report(step, "%s (at i=%d)" % (reason, i), show(a), show(b))
                return
        self.check(step, None, Reply(b"same replies", "repeat", None), Reply(b"same replies", "repeat", None))

    def run_step(self, step):
        k = step.kind
        if k in READS_CURRENT:
            waiting = self.ref.pending() or self.test.pending()
            if waiting:
                self.failed += 1
                print("FAIL %s: %s: not sent, connection %s has %d pending repl%s "
                      "(of %s): read %s with !reply first"
                      % (step.where(), step.text[:200], self.ref.current, len(waiting),
                         "y" if len(waiting) == 1 else "ies", "; ".join(waiting),
                         "it" if len(waiting) == 1 else "them"))
                return
        if k == "cmd":
            a, b = self.both(lambda s: s.command(s.subst(step.args)))
            self.check(step, step.marker, a, b)
        elif k == "nowait":
            for s in (self.ref, self.test):
                s.nowait(s.subst(step.args), step.text)
        elif k == "reply":
            sent = self.ref.pending()[:1] or self.test.pending()[:1]
            if not sent:
                self.failed += 1
                print("FAIL %s: !reply: no pending reply on connection %s"
                      % (step.where(), self.ref.current))
                return
            a, b = self.both(lambda s: s.reply())
            self.check(_Shown(step, "%s (reply to %s)" % (step.text, sent[0])),
                       step.marker, a, b)
        elif k == "recv":
            n = int(step.args[0]) if step.args else 1
            a, b = self.both(lambda s: s.recv(n))
            self.check(step, step.marker, a, b)
        elif k == "noreply":
            time.sleep(NOREPLY_WAIT)
            a, b = self.both(lambda s: s.anything_sent())
            if a is None and b is None:
                self.check(step, None, Reply(b"nothing yet", "noreply", None),
                           Reply(b"nothing yet", "noreply", None))
            else:
                self.report(step, "a reply came when none was expected",
                            a or "nothing yet", b or "nothing yet")
        elif k == "blocked":
            self.run_blocked(step, int(step.args[0]))
        elif k == "let":
            self.run_let(step)
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
            a, b = self.both(lambda s: s.scanall(s.subst(step.args)))
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

    def run_blocked(self, step, want):
        """!blocked N: polls both servers until each reports N blocked
        clients; one test."""
        deadline = time.monotonic() + BLOCKED_TIMEOUT
        while True:
            a, b = self.both(lambda s: s.blocked_clients())
            if a == want and b == want:
                self.blocked_failures = 0
                shown = Reply(b"blocked_clients:%d" % want, "blocked", None)
                self.check(step, None, shown, shown)
                return
            if time.monotonic() >= deadline:
                self.report(step, "blocked_clients did not reach %d within %.0f s"
                            % (want, BLOCKED_TIMEOUT),
                            "blocked_clients:%s" % a, "blocked_clients:%s" % b)
                # A server that does not block at all would cost every later
                # !blocked the full wait: give up on the file instead.
                self.blocked_failures += 1
                if self.blocked_failures >= MAX_BLOCKED_FAILURES:
                    raise Unresponsive("!blocked failed %d times in a row"
                                       % MAX_BLOCKED_FAILURES)
                return
            time.sleep(BLOCKED_POLL)

    def run_let(self, step):
        """!let NAME CMD: both replies must have the same type and be a
        value (integer, bulk or simple string); each server keeps its own."""
        name = step.args[0].decode()
        a, b = self.both(lambda s: s.command(s.subst(step.args[1:])))
        for s in (self.ref, self.test):
            s.vars.pop(name, None)
        reason = compare(("~any", []), a, b)
        if reason is None and not (_value(a) is not None and _value(b) is not None):
            reason = "not a value to keep (integer, bulk or simple string)"
        if reason is not None:
            self.report(step, reason, show(a), show(b))
            return
        self.ref.vars[name] = _value(a)
        self.test.vars[name] = _value(b)
        self.check(step, ("~any", []), a, b)


class _Shown:
    """A step shown with a different text (a !reply names its command)."""

    def __init__(self, step, text):
        self._step = step
        self.text = text

    def __getattr__(self, attr):
        return getattr(self._step, attr)


def _value(r):
    """The bytes a !let keeps from a reply, or None."""
    if not isinstance(r, Reply) or r.value is None:
        return None
    if r.kind == ":":
        return b"%d" % r.value
    if r.kind == "$":
        return r.value
    if r.kind == "+":
        return r.value.encode("latin-1")
    return None


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
