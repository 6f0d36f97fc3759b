#!/usr/bin/python3
"""Generates store/command_meta_data.c: the command metadata Redis reports
through COMMAND INFO and COMMAND DOCS (ACL categories, tips, key specs,
complexity, history, argument trees, doc flags), for exactly the commands
Magpie implements.

Usage:
    tools/gen-command-meta.py --redis PORT --magpie PORT [--output FILE]
    tools/gen-command-meta.py --redis PORT --names get,set,object|encoding ...
    tools/gen-command-meta.py --redis PORT --magpie PORT --check

--check writes nothing and exits 1 when the output file differs from what
the servers say now (a command added without regenerating, say).

--redis names a running redis-server (the reference: its version is written
into the output); --magpie a running magpie-server, whose COMMAND LIST says
which commands and subcommands to describe; --names gives them, or adds to
them. magpie-server refuses to start with a command registered without an
entry here, so describe a new one from the server as it was before it, plus
--names newcommand. Commands Redis does not know are skipped with a note on
stderr: Magpie then uses what their registration says (COMMAND_NO_META).

The script is strict: a reply shape or a field it does not know (a newer
Redis, a new flag name) stops it, because the C side would silently drop it.
It reads raw RESP3, so maps, sets and simple strings stay distinguishable
and every shape store/command_meta*.c encodes is checked here.
"""

import argparse
import re
import socket
import sys

# ------------------------------------------------------------------ RESP3


class Simple(str):
    """A +simple string (flags, categories), as opposed to a $bulk one."""


class Set(list):
    """A ~set reply (an array under RESP2)."""


class Map(list):
    """A %map reply, kept as an ordered list of (key, value) pairs."""


class Conn:
    def __init__(self, port, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.file = self.sock.makefile("rb")

    def call(self, *args):
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out.append(b"$%d\r\n%s\r\n" % (len(a), a))
        self.sock.sendall(b"".join(out))
        return self.read()

    def read(self):
        line = self.file.readline()
        if not line.endswith(b"\r\n"):
            raise SystemExit("connection closed or truncated reply")
        kind, rest = line[:1], line[1:-2].decode()
        if kind == b"+":
            return Simple(rest)
        if kind == b"-":
            raise SystemExit("server error: " + rest)
        if kind == b":":
            return int(rest)
        if kind in (b"$", b"="):
            n = int(rest)
            if n < 0:
                return None
            data = self.file.read(n + 2)[:-2].decode()
            return data[4:] if kind == b"=" else data
        if kind == b"_":
            return None
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.read() for _ in range(n)]
        if kind == b"~":
            return Set(self.read() for _ in range(int(rest)))
        if kind == b"%":
            return Map((self.read(), self.read()) for _ in range(int(rest)))
        raise SystemExit("unexpected RESP type %r" % line)


def fail(where, what):
    raise SystemExit("%s: %s" % (where, what))


def expect(cond, where, what):
    if not cond:
        fail(where, what)


def as_dict(value, where, order):
    """A Map whose keys are a subsequence of `order` (the order the C side
    emits them in)."""
    expect(isinstance(value, Map), where, "expected a map, got %r" % (value,))
    keys = [k for k, _ in value]
    unknown = [k for k in keys if k not in order]
    expect(not unknown, where, "unknown fields %s" % unknown)
    expect(keys == [k for k in order if k in keys], where, "fields out of order: %s" % keys)
    return dict(value)


def simple_set(value, where):
    expect(isinstance(value, Set) and all(isinstance(v, Simple) for v in value),
           where, "expected a set of simple strings, got %r" % (value,))
    return list(value)


def bulk_set(value, where):
    expect(isinstance(value, Set) and all(type(v) is str for v in value),
           where, "expected a set of bulk strings, got %r" % (value,))
    return list(value)


# ------------------------------------------------ names -> C constants
# Each list is in the order Redis prints the names; the C tables in
# store/command_meta.c use the same order and constant names.

COMMAND_FLAGS = ["write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking",
                 "loading", "stale", "skip_monitor", "skip_slowlog", "fast", "no_auth",
                 "no_mandatory_keys", "no_async_loading", "no_multi", "movablekeys",
                 "allow_busy"]
ACL_CATEGORIES = ["keyspace", "read", "write", "set", "sortedset", "list", "hash", "string",
                  "bitmap", "hyperloglog", "geo", "stream", "pubsub", "admin", "fast", "slow",
                  "blocking", "dangerous", "connection", "transaction", "scripting"]
KEY_FLAGS = ["RO", "RW", "OW", "RM", "access", "update", "insert", "delete", "not_key",
             "incomplete", "variable_flags"]
ARG_TYPES = ["string", "integer", "double", "key", "pattern", "unix-time", "pure-token",
             "oneof", "block"]
ARG_FLAGS = ["optional", "multiple", "multiple_token"]
DOC_FLAGS = ["deprecated", "syscmd"]

DOC_FIELDS = ["summary", "since", "group", "complexity", "module", "doc_flags",
              "deprecated_since", "replaced_by", "history", "arguments", "subcommands"]
ARG_FIELDS = ["name", "type", "key_spec_index", "token", "summary", "since",
              "deprecated_since", "flags", "arguments"]
KEY_SPEC_FIELDS = ["notes", "flags", "begin_search", "find_keys"]


def constant(prefix, name):
    special = {"movablekeys": "MOVABLE_KEYS"}
    return prefix + special.get(name, re.sub(r"[^A-Za-z0-9]", "_", name).upper())


def bits(prefix, names, known, where):
    unknown = [n for n in names if n not in known]
    expect(not unknown, where, "unknown names %s: teach store/command_meta.c first" % unknown)
    expect(len(set(names)) == len(names), where, "duplicate names %s" % names)
    order = [known.index(n) for n in names]
    expect(order == sorted(order), where, "names out of Redis's order: %s" % names)
    return " | ".join(constant(prefix, n) for n in names) or "0"


# ------------------------------------------------------------ C output


def c_str(s):
    if s is None:
        return "NULL"
    out = []
    for ch in s:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.extend("\\%03o" % b for b in ch.encode())
    return '"' + "".join(out) + '"'


def ident(name):
    return re.sub(r"[^a-z0-9]", "_", name.lower())


def init(fields, keep=()):
    """A designated initializer, leaving out zero / NULL fields except those
    named in keep."""
    parts = [".%s = %s" % (k, v) for k, v in fields
             if k in keep or v not in ("0", "NULL", None)]
    return "{" + ", ".join(parts) + "}"


class Emitter:
    def __init__(self):
        self.decls = []  # static arrays, dependencies first

    def array(self, ctype, name, rows):
        self.decls.append("static const %s %s[] = {\n%s};" %
                          (ctype, name, "".join("    %s,\n" % r for r in rows)))
        return name

    def key_specs(self, base, specs, where):
        rows = []
        for i, raw in enumerate(specs):
            w = "%s key spec %d" % (where, i)
            spec = as_dict(raw, w, KEY_SPEC_FIELDS)
            expect(len(spec) >= 3 and "flags" in spec, w, "incomplete key spec")
            fields = [("notes", c_str(spec.get("notes"))),
                      ("flags", bits("KEY_", simple_set(spec["flags"], w), KEY_FLAGS, w))]
            begin = as_dict(spec["begin_search"], w, ["type", "spec"])
            detail = as_dict(begin["spec"], w, ["index", "keyword", "startfrom"])
            if begin["type"] == "index":
                expect(list(detail) == ["index"], w, "index spec %r" % detail)
                fields += [("begin_search", "KEY_SEARCH_INDEX"), ("index", str(detail["index"]))]
            elif begin["type"] == "keyword":
                expect(list(detail) == ["keyword", "startfrom"], w, "keyword spec %r" % detail)
                fields += [("begin_search", "KEY_SEARCH_KEYWORD"),
                           ("keyword", c_str(detail["keyword"])),
                           ("startfrom", str(detail["startfrom"]))]
            else:
                expect(begin["type"] == "unknown" and not detail, w, "begin_search %r" % begin)
                fields += [("begin_search", "KEY_SEARCH_UNKNOWN")]
            find = as_dict(spec["find_keys"], w, ["type", "spec"])
            detail = as_dict(find["spec"], w,
                             ["lastkey", "keynumidx", "firstkey", "keystep", "limit"])
            if find["type"] == "range":
                expect(list(detail) == ["lastkey", "keystep", "limit"], w, "range %r" % detail)
                fields += [("find_keys", "KEY_FIND_RANGE"), ("lastkey", str(detail["lastkey"])),
                           ("keystep", str(detail["keystep"])), ("limit", str(detail["limit"]))]
            elif find["type"] == "keynum":
                expect(list(detail) == ["keynumidx", "firstkey", "keystep"], w,
                       "keynum %r" % detail)
                fields += [("find_keys", "KEY_FIND_KEYNUM"),
                           ("keynumidx", str(detail["keynumidx"])),
                           ("firstkey", str(detail["firstkey"])),
                           ("keystep", str(detail["keystep"]))]
            else:
                expect(find["type"] == "unknown" and not detail, w, "find_keys %r" % find)
                fields += [("find_keys", "KEY_FIND_UNKNOWN")]
            rows.append(init(fields))
        return self.array("struct key_spec", base + "_key_specs", rows)

    def args(self, base, args, where):
        expect(isinstance(args, list) and not isinstance(args, (Set, Map)), where,
               "arguments must be an array")
        rows = []
        for i, raw in enumerate(args):
            w = "%s argument %d" % (where, i)
            arg = as_dict(raw, w, ARG_FIELDS)
            expect("name" in arg and "type" in arg, w, "argument without name or type")
            expect(arg["type"] in ARG_TYPES, w, "unknown argument type %r" % arg["type"])
            nested = arg["type"] in ("oneof", "block")
            expect(nested == ("arguments" in arg), w, "nested arguments only for oneof/block")
            sub = None
            if nested:
                sub = self.args("%s_%d" % (base, i), arg["arguments"], w)
            fields = [("name", c_str(arg["name"])), ("type", constant("ARG_", arg["type"])),
                      ("key_spec_index", str(arg.get("key_spec_index", -1))),
                      ("token", c_str(arg.get("token"))),
                      ("summary", c_str(arg.get("summary"))),
                      ("since", c_str(arg.get("since"))),
                      ("deprecated_since", c_str(arg.get("deprecated_since"))),
                      ("flags", bits("ARG_", simple_set(arg.get("flags", Set()), w),
                                     ARG_FLAGS, w)),
                      ("nargs", str(len(arg["arguments"])) if nested else "0"),
                      ("args", sub)]
            rows.append(init(fields, keep=("key_spec_index",)))  # 0 is an index
        return self.array("struct command_arg", base + "_args", rows)

    def history(self, base, history, where):
        expect(isinstance(history, Set), where, "history must be a set")
        rows = []
        for entry in history:
            expect(isinstance(entry, list) and len(entry) == 2 and
                   all(type(x) is str for x in entry), where, "history entry %r" % (entry,))
            rows.append("{%s, %s}" % (c_str(entry[0]), c_str(entry[1])))
        return self.array("struct command_history", base + "_history", rows)

    def tips(self, base, tips):
        return self.array("char *const", base + "_tips", [c_str(t) for t in tips])


def describe(em, name, info, docs):
    """The command_meta initializer for one command, its arrays emitted first."""
    where = name
    base = ident(name)
    expect(isinstance(info, list) and len(info) == 10, where, "COMMAND INFO shape")
    expect(info[0] == name, where, "COMMAND INFO names %r" % info[0])
    flags = bits("CMD_", simple_set(info[2], where), COMMAND_FLAGS, where)
    cats = simple_set(info[6], where)
    expect(all(c.startswith("@") for c in cats), where, "categories %r" % cats)
    tips = bulk_set(info[7], where)
    expect(isinstance(info[8], Set), where, "key specs must be a set")
    doc = as_dict(docs, where, DOC_FIELDS)
    expect("module" not in doc, where, "module commands are not described")
    fields = [("name", c_str(name)), ("arity", str(info[1])), ("flags", flags),
              ("first_key", str(info[3])), ("last_key", str(info[4])),
              ("key_step", str(info[5])),
              ("acl_categories", bits("ACL_", [c[1:] for c in cats], ACL_CATEGORIES, where))]
    if tips:
        fields += [("ntips", str(len(tips))), ("tips", em.tips(base, tips))]
    if info[8]:
        fields += [("nkey_specs", str(len(info[8]))),
                   ("key_specs", em.key_specs(base, info[8], where))]
    fields += [("summary", c_str(doc.get("summary"))), ("since", c_str(doc.get("since"))),
               ("group", c_str(doc.get("group"))), ("complexity", c_str(doc.get("complexity"))),
               ("doc_flags", bits("DOC_", simple_set(doc.get("doc_flags", Set()), where),
                                  DOC_FLAGS, where)),
               ("deprecated_since", c_str(doc.get("deprecated_since"))),
               ("replaced_by", c_str(doc.get("replaced_by")))]
    if "history" in doc:
        fields += [("nhistory", str(len(doc["history"]))),
                   ("history", em.history(base, doc["history"], where))]
    if "arguments" in doc:
        fields += [("nargs", str(len(doc["arguments"]))),
                   ("args", em.args(base, doc["arguments"], where))]
    return init(fields)


HEADER = """\
/*
 * GENERATED by tools/gen-command-meta.py from redis-server %(version)s
 * (COMMAND INFO and COMMAND DOCS) for the %(count)d commands and subcommands
 * Magpie implements. Do not edit: re-run the script (see its header).
 *
 * Data describing the protocol interface: ACL categories, tips, key specs and
 * the documentation (complexity, history, argument trees) COMMAND INFO and
 * COMMAND DOCS print; store/command.c links each registered command to its
 * entry when the table is frozen. Sorted by name (strcmp) for lookup.
 */
#include "store/command.h"

#include <stddef.h>

/* clang-format off */
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--redis", type=int, required=True, help="port of a redis-server")
    ap.add_argument("--magpie", type=int, help="port of a magpie-server (COMMAND LIST)")
    ap.add_argument("--names", help="comma-separated command names, besides --magpie's")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--output", default="store/command_meta_data.c")
    ap.add_argument("--check", action="store_true", help="compare with --output, write nothing")
    opts = ap.parse_args()
    if not opts.magpie and not opts.names:
        ap.error("give --magpie, --names or both")
    names = []
    if opts.magpie:
        names += Conn(opts.magpie, opts.host).call("COMMAND", "LIST")
    if opts.names:
        names += opts.names.split(",")
    names = sorted(set(n.lower() for n in names))

    redis = Conn(opts.redis, opts.host)
    hello = dict(redis.call("HELLO", "3"))
    version = hello["version"]
    infos = redis.call("COMMAND", "INFO", *names)
    docs = dict(redis.call("COMMAND", "DOCS", *names))

    em = Emitter()
    rows = []
    for name, info in zip(names, infos):
        if info is None:
            print("note: redis-server %s has no command %r; Magpie uses its registration"
                  % (version, name), file=sys.stderr)
            continue
        expect(name in docs, name, "COMMAND DOCS has no entry")
        rows.append(describe(em, name, info, docs[name]))

    text = [HEADER % {"version": version, "count": len(rows)}]
    text += [decl + "\n" for decl in em.decls]
    text.append("\nconst struct command_meta command_meta_table[] = {\n")
    text += ["    %s,\n" % row for row in rows]
    text.append("};\n/* clang-format on */\n\n")
    text.append("const int command_meta_count = (int)(sizeof(command_meta_table) / "
                "sizeof(command_meta_table[0]));\n")
    text.append('const char command_meta_redis_version[] = "%s";\n' % version)
    text = "".join(text)
    if opts.check:
        try:
            with open(opts.output) as f:
                current = f.read()
        except OSError:
            current = None
        if current != text:
            print("%s is stale: re-run without --check" % opts.output, file=sys.stderr)
            sys.exit(1)
        print("%s is up to date" % opts.output, file=sys.stderr)
        return
    with open(opts.output, "w") as out:
        out.write(text)
    print("%s: %d commands from redis-server %s" % (opts.output, len(rows), version),
          file=sys.stderr)


if __name__ == "__main__":
    main()
