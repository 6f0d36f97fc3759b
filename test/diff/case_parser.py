"""Case file syntax of the differential suite.

One step per line. Blank lines and lines whose first non-blank character is
'#' are ignored. Arguments are split like redis-cli splits them:
    bare words, "double quoted" with \\n \\r \\t \\b \\a \\\\ \\" \\xHH escapes,
    'single quoted' with only \\' as escape.
A quoted token may be followed by *N to repeat it N times: "x"*70000.
A bare token {A..B|T1|T2...} expands to the tokens T1 T2 ... for each i
from A to B, with $i in them replaced by i: MSET {0..999|key:$i|v$i}.

A command line may start with comparison markers (default: exact bytes):
    ~int            both replies are integers; values not compared
    ~range LO HI    both integers within [LO, HI]
    ~near D         both integers, differing by at most D
    ~sorted         both arrays: compared as multisets of their elements
    ~any            only the reply type must match
    ~fields F1,F2   map (or flat array of pairs): the same keys in the same
                    order, values equal except for the fields listed (type only)
    ~kvs F1,F2      a "k=v k=v" text (CLIENT INFO): same keys, values equal
                    except for the fields listed
    ~sortat P1,P2   like exact, except that the arrays at the given paths
                    (indexes into nested arrays: 0.9 = element 9 of element 0,
                    . = the reply itself) are compared unordered; P:2
                    compares them by pairs (maps)
    ~mask P1,P2     like exact, except that the elements at the given paths
                    (as for ~sortat; * stands for every index: *.1 is
                    element 1 of every element) are compared by type only:
                    ~mask 1 !recv (the channel of an UNSUBSCRIBE
                    confirmation, whose order Redis leaves to its hash seed)
    ~info F1,F2     an INFO text: only the values of the fields listed are
                    compared (both must have them): ~info pubsub_channels
                    INFO stats
    ~monitor        a MONITOR line ("+1700000000.123456 [0 127.0.0.1:5000]
                    "SET" "k""): the format of the time and address is
                    checked, their values are not; db and arguments exact
    ~skip           sent to both, replies not compared
(a marker may also precede !reply and !recv)
Directives:
    !resp3 / !resp2     HELLO 3 / HELLO 2 on the current connection (compared
                        with ~fields id)
    !sleep SECONDS      pause
    !flush              FLUSHALL on both (compared)
    !raw TOKENS...      send the concatenated bytes as they are, then compare
                        every reply they produce and whether the server closed
                        the connection afterwards
    !rawclose TOKENS... send bytes after which the server must close the
                        connection; compare the replies up to the close
                        (no probe is sent: for limits like "too big inline
                        request" that a following newline would defuse)
    !send TOKENS...     send bytes without reading (a request left unfinished
                        on purpose; a later !raw completes it)
    !newconn            replace the current connection by a fresh one
    !conn NAME          switch to connection NAME (opened on first use);
                        the first connection is named "main"
    !repeat A B CMD...  run CMD for each i from A to B ($i in its arguments
                        replaced by i); one test: every reply must match
    !scanall ARGS...    iterate SCAN 0 ARGS... to cursor 0 on both; compare
                        the sorted sets of keys returned
Several clients at once (blocking commands):
    !nowait CMD...      send CMD on the current connection to both servers
                        without reading its reply: the reply stays pending
                        on that connection (several may be pending, oldest
                        first). Every connection has its own socket and
                        buffer, so reading on one never consumes another's
                        replies. A step that reads a reply on a connection
                        with pending replies (a command, !let, !repeat,
                        !raw, !rawclose, !scanall, !flush, !resp2/!resp3)
                        fails without being sent
    !reply              read the oldest pending reply of the current
                        connection from both servers and compare it; a
                        marker may precede it (~any !reply). Waits up to
                        REPLY_TIMEOUT (5 s) per server; no reply within it
                        on either side is a failure (and that server's
                        connection is closed: later steps get a fresh one);
                        so is a !reply with nothing pending
    !noreply            wait NOREPLY_WAIT (0.1 s); fails if either server
                        sent anything on the current connection meanwhile
                        (what arrived stays buffered for a later !reply)
    !blocked N          poll INFO clients on both servers (on a hidden extra
                        connection) until blocked_clients is N on each;
                        fails after BLOCKED_TIMEOUT (5 s); three failures
                        in a row skip the rest of the file. Nothing else
                        is compared: it orders the steps, e.g. a push only
                        after a client is known to wait
    !let NAME CMD...    run CMD on the current connection and keep each
                        server's reply (an integer, bulk or simple string)
                        as variable NAME of that server (A-Z, 0-9, _;
                        starts with a letter); the replies' types are
                        compared, not their values. Later, $NAME in the
                        arguments of commands, !nowait, !let, !repeat and
                        !scanall is replaced by that server's own value
                        (NAME: the whole run of A-Z, 0-9, _ after the $;
                        only names set by an earlier !let of the file are
                        replaced): !let ID CLIENT ID, then
                        CLIENT UNBLOCK $ID. A file ends with every
                        connection's pending replies read: one left is a
                        failure
Frames no command of the step asked for (pub/sub):
    !recv [N]           read the next N (default 1) frames of the current
                        connection from both servers, whatever sent them:
                        the confirmations of SUBSCRIBE a b c after the
                        first (which the command step itself reads), and
                        messages and keyspace notifications pushed by
                        other connections' commands. Waits up to
                        REPLY_TIMEOUT per frame; compared exactly as their
                        concatenated bytes, or under a marker as an array
                        of the N frames (~sorted !recv 2: two pmessages
                        whose order Redis leaves to its hash seed).
                        Refused, like a command, on a connection with
                        pending !nowait replies. A file ends with nothing
                        unread on any connection: bytes already received
                        and never read are a failure (check with !noreply
                        for frames that may come late)
"""

import re
import shlex

MARKER_ARGS = {"~int": 0, "~range": 2, "~near": 1, "~sorted": 0, "~any": 0,
               "~fields": 1, "~kvs": 1, "~sortat": 1, "~mask": 1, "~info": 1, "~monitor": 0,
               "~skip": 0}
DIRECTIVES = {"!resp3", "!resp2", "!sleep", "!flush", "!raw", "!rawclose", "!send",
              "!newconn", "!conn", "!scanall", "!repeat",
              "!nowait", "!reply", "!noreply", "!blocked", "!let", "!recv"}
# Directives that take a comparison marker (it applies to their reply).
MARKED_DIRECTIVES = {"!reply", "!recv"}
VARIABLE = re.compile(r"[A-Z][A-Z0-9_]*")
EXPANSION = re.compile(r"\{(\d+)\.\.(\d+)\|(.*)\}")
ESCAPES = {"n": b"\n", "r": b"\r", "t": b"\t", "b": b"\b", "a": b"\a",
           "\\": b"\\", '"': b'"'}


class CaseError(Exception):
    pass


class Step:
    """kind: 'cmd' or a directive name without '!'. args: list of bytes.
    marker: (name, params) or None."""

    __slots__ = ("file", "line", "text", "kind", "args", "marker")

    def __init__(self, file, line, text, kind, args, marker=None):
        self.file = file
        self.line = line
        self.text = text
        self.kind = kind
        self.args = args
        self.marker = marker

    def where(self):
        return "%s:%d" % (self.file, self.line)


def split_args(text):
    """Splits a line into byte-string tokens; raises CaseError."""
    out = []
    i, n = 0, len(text)
    while True:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            return out
        tok = bytearray()
        if text[i] == '"':
            i += 1
            while True:
                if i >= n:
                    raise CaseError("unterminated double quote")
                c = text[i]
                if c == "\\" and i + 1 < n:
                    e = text[i + 1]
                    if e == "x" and _is_hex(text[i + 2:i + 4]):
                        tok.append(int(text[i + 2:i + 4], 16))
                        i += 4
                        continue
                    tok += ESCAPES.get(e, e.encode("utf-8"))
                    i += 2
                    continue
                if c == '"':
                    i += 1
                    break
                tok += c.encode("utf-8")
                i += 1
            i, tok = _repeat(text, i, tok)
        elif text[i] == "'":
            i += 1
            while True:
                if i >= n:
                    raise CaseError("unterminated single quote")
                c = text[i]
                if c == "\\" and i + 1 < n and text[i + 1] == "'":
                    tok += b"'"
                    i += 2
                    continue
                if c == "'":
                    i += 1
                    break
                tok += c.encode("utf-8")
                i += 1
            i, tok = _repeat(text, i, tok)
        else:
            while i < n and text[i] not in " \t":
                tok += text[i].encode("utf-8")
                i += 1
            m = EXPANSION.fullmatch(tok.decode("utf-8"))
            if m:
                templates = m.group(3).split("|")
                for k in range(int(m.group(1)), int(m.group(2)) + 1):
                    out.extend(t.replace("$i", str(k)).encode() for t in templates)
                continue
        if i < n and text[i] not in " \t":
            raise CaseError("closing quote must be followed by a space")
        out.append(bytes(tok))


def _is_hex(s):
    return len(s) == 2 and all(c in "0123456789abcdefABCDEF" for c in s)


def _repeat(text, i, tok):
    """Handles the *N suffix after a closing quote."""
    if i < len(text) and text[i] == "*":
        j = i + 1
        while j < len(text) and text[j].isdigit():
            j += 1
        if j == i + 1:
            raise CaseError("'*' after a quoted token needs a count")
        return j, bytearray(bytes(tok) * int(text[i + 1:j]))
    return i, tok


def parse_line(file, lineno, text):
    """A Step for one line, or None for blank and comment lines."""
    stripped = text.strip()
    if not stripped or stripped.startswith("#"):
        return None
    marker = None
    head = stripped.split(None, 1)[0]
    if head.startswith("~"):
        if head not in MARKER_ARGS:
            raise CaseError("unknown marker %s" % head)
        parts = stripped.split(None, 1 + MARKER_ARGS[head])
        if len(parts) < 2 + MARKER_ARGS[head]:
            raise CaseError("marker %s needs %d parameter(s) and a command"
                            % (head, MARKER_ARGS[head]))
        marker = (head, parts[1:1 + MARKER_ARGS[head]])
        stripped = parts[-1]
        head = stripped.split(None, 1)[0]
    if head.startswith("!"):
        if head not in DIRECTIVES:
            raise CaseError("unknown directive %s" % head)
        if marker is not None and head not in MARKED_DIRECTIVES:
            raise CaseError("markers apply to commands, !reply and !recv, not to %s" % head)
        rest = stripped[len(head):]
        if head in ("!sleep", "!conn", "!blocked", "!recv"):
            args = [a.encode() for a in shlex.split(rest)]
        else:
            args = split_args(rest)
        if head in ("!raw", "!rawclose", "!send") and not args:
            raise CaseError("%s needs bytes to send" % head)
        if head == "!sleep" and len(args) != 1:
            raise CaseError("!sleep needs one duration in seconds")
        if head == "!conn" and len(args) != 1:
            raise CaseError("!conn needs a name")
        if head in ("!reply", "!noreply") and args:
            raise CaseError("%s takes no arguments" % head)
        if head == "!recv" and (len(args) > 1 or (args and (not args[0].isdigit()
                                                            or int(args[0]) < 1))):
            raise CaseError("!recv takes an optional count of frames (1 or more)")
        if head == "!nowait" and not args:
            raise CaseError("!nowait needs a command")
        if head == "!blocked" and (len(args) != 1 or not args[0].isdigit()):
            raise CaseError("!blocked needs one count of blocked clients")
        if head == "!let":
            if len(args) < 2 or not VARIABLE.fullmatch(args[0].decode("utf-8", "replace")):
                raise CaseError("!let needs NAME (A-Z, 0-9, _) and a command")
        if head == "!repeat":
            if len(args) < 3 or not args[0].isdigit() or not args[1].isdigit():
                raise CaseError("!repeat needs FROM TO COMMAND...")
        return Step(file, lineno, stripped, head[1:], args, marker)
    args = split_args(stripped)
    return Step(file, lineno, stripped, "cmd", args, marker)


def parse_file(path, name):
    steps = []
    with open(path, encoding="utf-8") as f:
        for lineno, text in enumerate(f, 1):
            try:
                step = parse_line(name, lineno, text.rstrip("\n"))
            except CaseError as e:
                raise CaseError("%s:%d: %s" % (name, lineno, e)) from None
            if step is not None:
                steps.append(step)
    return steps
