"""Raw RESP2/RESP3 client for the differential suite: a socket, a buffer, and
a parser that returns every reply together with the exact bytes it came from,
so the bytes can be compared exactly and the structure when a marker asks."""

import select
import socket
import time

CRLF = b"\r\n"


class Closed(Exception):
    """The server closed the connection (EOF or reset)."""


class Timeout(Exception):
    """No complete reply within the deadline."""


class BadReply(Exception):
    """Bytes that are not RESP: the connection cannot be trusted any more."""


class Reply:
    """kind is the RESP type byte ('+', '-', ':', '$', '*', '%', '~', '>',
    '_', ',', '#', '(', '!', '=') of the reply proper (an attribute '|' in
    front is part of raw but not of kind). value: str payload for simple
    types, int for ':', bytes or None for '$', a list of Reply (or None for
    a null array) for aggregates; maps hold a flat key, value, key, value
    list."""

    __slots__ = ("raw", "kind", "value")

    def __init__(self, raw, kind, value):
        self.raw = raw
        self.kind = kind
        self.value = value

    def __repr__(self):
        return "Reply(%r)" % self.raw


class Conn:
    def __init__(self, port, host="127.0.0.1", timeout=3.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        self.pos = 0
        self.timeout = timeout
        self.closed = False
        # Commands sent with !nowait whose replies are not read yet, oldest
        # first (their case-file texts).
        self.pending = []

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
        self.closed = True

    def send(self, data):
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            # The reply (and EOF) may still be readable: let read report it.
            pass

    def poll(self, timeout):
        """Whether the server sent anything not parsed yet: waits up to
        timeout for bytes (kept in the buffer for the next read_reply).
        'closed' when the server closed the connection instead."""
        if len(self.buf) > self.pos:
            return True
        try:
            ready, _, _ = select.select([self.sock], [], [], timeout)
        except (OSError, ValueError):
            return "closed"
        if not ready:
            return False
        try:
            self._window = 1.0
            self._fill(time.monotonic() + 1.0)
        except Timeout:
            return False
        except Closed:
            return "closed"
        return True

    def _fill(self, deadline):
        """Reads more bytes into the buffer; raises Closed or Timeout. The
        deadline is one of silence: every chunk that arrives moves it on by
        the read's window, so a big reply on a loaded machine is not cut off
        while it is still streaming in."""
        deadline = max(deadline, getattr(self, "_progress_deadline", deadline))
        left = deadline - time.monotonic()
        if left <= 0:
            raise Timeout()
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(262144)
        except socket.timeout:
            raise Timeout() from None
        except (ConnectionResetError, BrokenPipeError):
            self.closed = True
            raise Closed() from None
        if not chunk:
            self.closed = True
            raise Closed()
        self.buf += chunk
        self._progress_deadline = time.monotonic() + getattr(self, "_window", self.timeout)

    def _line(self, deadline):
        while True:
            end = self.buf.find(CRLF, self.pos)
            if end >= 0:
                line = self.buf[self.pos:end]
                self.pos = end + 2
                return line
            if len(self.buf) - self.pos > 1 << 20:
                raise BadReply("line longer than 1 MiB")
            self._fill(deadline)

    def _exact(self, n, deadline):
        while len(self.buf) - self.pos < n + 2:
            self._fill(deadline)
        data = self.buf[self.pos:self.pos + n]
        if self.buf[self.pos + n:self.pos + n + 2] != CRLF:
            raise BadReply("bulk not terminated by CRLF")
        self.pos += n + 2
        return data

    def read_reply(self, timeout=None):
        """The next complete reply. Raises Closed, Timeout or BadReply; on
        Timeout the partial bytes stay buffered."""
        self._window = timeout if timeout is not None else self.timeout
        deadline = time.monotonic() + self._window
        self._progress_deadline = deadline
        if self.pos:  # drop consumed bytes (never during a parse: raw slices)
            self.buf = self.buf[self.pos:]
            self.pos = 0
        start = 0
        try:
            kind, value = self._parse(deadline)
        except Timeout:
            self.pos = start
            raise
        raw = self.buf[start:self.pos]
        return Reply(raw, kind, value)

    def _parse(self, deadline):
        line = self._line(deadline)
        if not line:
            raise BadReply("empty line")
        t = chr(line[0])
        body = line[1:]
        if t == "|":  # attribute: skip its pairs, the reply follows
            for _ in range(2 * _int(body)):
                self._parse(deadline)
            return self._parse(deadline)
        if t in "+-,#(_":
            return t, body.decode("latin-1")
        if t == ":":
            return t, _int(body)
        if t in "$!=":
            n = _int(body)
            if n < 0:
                return t, None
            return t, self._exact(n, deadline)
        if t in "*~>%":
            n = _int(body)
            if n < 0:
                return t, None
            count = 2 * n if t == "%" else n
            items = []
            for _ in range(count):
                start = self.pos
                kind, value = self._parse(deadline)
                items.append(Reply(self.buf[start:self.pos], kind, value))
            return t, items
        raise BadReply("unknown type byte %r" % line[:1])


def _int(body):
    try:
        return int(body)
    except ValueError:
        raise BadReply("bad integer %r" % body) from None


def encode_command(args):
    """A command as a RESP multibulk request."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)
