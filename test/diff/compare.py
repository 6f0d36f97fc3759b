"""Reply comparison for the differential suite. An outcome is a Reply, or a
str describing what happened instead ('<closed>', '<timeout>', ...).
compare() returns None when the two outcomes agree under the step's marker,
else a short reason."""

import re

from resp_reader import Reply

# A MONITOR line: its time and the client's address vary between servers.
MONITOR_LINE = re.compile(rb"^\+\d+\.\d{6} \[(\d+) (?:[0-9a-f.:\[\]]+:\d+|unix:[^\]]*)\] (.*)\r\n$",
                          re.S)


def escape(data, limit=400):
    """Bytes as a readable one-line string: printable ASCII as is, the rest
    as \\r \\n \\t \\xHH; long data cut in the middle."""
    if isinstance(data, str):
        return data
    if len(data) > limit:
        head = escape(data[:limit * 3 // 4], limit)
        tail = escape(data[-limit // 4:], limit)
        return "%s...(%d bytes)...%s" % (head, len(data), tail)
    out = []
    for b in data:
        if b == 13:
            out.append("\\r")
        elif b == 10:
            out.append("\\n")
        elif b == 9:
            out.append("\\t")
        elif b == 92:
            out.append("\\\\")
        elif b == 34:
            out.append('\\"')
        elif 32 <= b < 127:
            out.append(chr(b))
        else:
            out.append("\\x%02x" % b)
    return '"' + "".join(out) + '"'


def show(outcome):
    return escape(outcome.raw) if isinstance(outcome, Reply) else outcome


def compare(marker, a, b):
    name, params = marker if marker else (None, [])
    if name == "~skip":
        return None
    if _timed_out(a) or _timed_out(b):
        # Even on both sides: a reply that never came is not an agreement.
        return "no reply within the timeout"
    if not isinstance(a, Reply) or not isinstance(b, Reply):
        if isinstance(a, Reply) or isinstance(b, Reply) or a != b:
            return "different outcome"
        return None
    if name == "~range":
        return _check_range(params, a, b)
    if name == "~mask":
        return _compare_mask(_mask_specs(params[0]), (), a, b)
    if name == "~monitor":
        return _compare_monitor(a, b)
    if name == "~info":  # compared even when the bytes are equal: fields must exist
        return _compare_info(params[0].split(","), a, b)
    if a.raw == b.raw:
        return None
    if name is None:
        return _first_difference(a.raw, b.raw)
    if a.kind != b.kind:
        return "reply types differ (%s vs %s)" % (a.kind, b.kind)
    if name == "~any":
        return None
    if name == "~int":
        return None if a.kind == ":" else "not integers"
    if name == "~near":
        if a.kind != ":":
            return "not integers"
        d = int(params[0])
        return None if abs(a.value - b.value) <= d else "integers differ by more than %d" % d
    if name == "~sorted":
        return _compare_sorted(a, b)
    if name == "~fields":
        return _compare_fields(params[0].split(","), a, b)
    if name == "~kvs":
        return _compare_kvs(params[0].split(","), a, b)
    if name == "~sortat":
        return _compare_sortat(_sort_specs(params[0]), (), a, b)
    return "unknown marker %s" % name


def _compare_monitor(a, b):
    ma, mb = MONITOR_LINE.match(a.raw), MONITOR_LINE.match(b.raw)
    if not ma or not mb:
        return "not a MONITOR line: %s" % show(a if not ma else b)
    return None if ma.groups() == mb.groups() else "MONITOR lines differ in db or arguments"


def _timed_out(outcome):
    return isinstance(outcome, str) and outcome.startswith("<timeout")


def _sort_specs(text):
    """"0.9,1.11:2" -> {(0, 9): 1, (1, 11): 2}: paths of nested arrays whose
    elements (or groups of N elements: map pairs) are compared unordered;
    "." is the reply itself."""
    specs = {}
    for item in text.split(","):
        path, _, group = item.partition(":")
        key = () if path == "." else tuple(int(i) for i in path.split("."))
        specs[key] = int(group or 1)
    return specs


def _compare_sortat(specs, path, a, b):
    agg = "*~%>"
    if a.kind != b.kind:
        return "reply types differ at %s" % _path(path)
    if a.kind not in agg or a.value is None or b.value is None:
        return None if a.raw == b.raw else "bytes differ at %s" % _path(path)
    if len(a.value) != len(b.value):
        return "lengths differ at %s (%d vs %d)" % (_path(path), len(a.value), len(b.value))
    group = specs.get(path)
    if group:
        ga = sorted(b"".join(x.raw for x in a.value[i:i + group]) for i in range(0, len(a.value), group))
        gb = sorted(b"".join(x.raw for x in b.value[i:i + group]) for i in range(0, len(b.value), group))
        return None if ga == gb else "different elements at %s" % _path(path)
    for i, (x, y) in enumerate(zip(a.value, b.value)):
        reason = _compare_sortat(specs, path + (i,), x, y)
        if reason:
            return reason
    return None


def _mask_specs(text):
    """"1,*.1" -> [("1",), ("*", "1")]: paths (indexes into nested arrays,
    * for every index) of the elements compared by type only."""
    return [tuple(item.split(".")) for item in text.split(",")]


def _masked(specs, path):
    for spec in specs:
        if len(spec) == len(path) and all(s in ("*", str(i)) for s, i in zip(spec, path)):
            return True
    return False


def _compare_mask(specs, path, a, b):
    if a.kind != b.kind:
        return "reply types differ at %s" % _path(path)
    if _masked(specs, path):
        return None
    agg = "*~%>"
    if a.kind not in agg or a.value is None or b.value is None:
        return None if a.raw == b.raw else "bytes differ at %s" % _path(path)
    if len(a.value) != len(b.value):
        return "lengths differ at %s (%d vs %d)" % (_path(path), len(a.value), len(b.value))
    for i, (x, y) in enumerate(zip(a.value, b.value)):
        reason = _compare_mask(specs, path + (i,), x, y)
        if reason:
            return reason
    return None


def _path(path):
    return "[" + ".".join(str(i) for i in path) + "]"


def _first_difference(a, b):
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    return "bytes differ from offset %d: %s vs %s" % (
        i, escape(a[i:i + 40], 60), escape(b[i:i + 40], 60))


def _check_range(params, a, b):
    lo, hi = int(params[0]), int(params[1])
    for r in (a, b):
        if r.kind != ":":
            return "not an integer: %s" % escape(r.raw)
        if not lo <= r.value <= hi:
            return "integer %d outside [%d, %d]" % (r.value, lo, hi)
    return None


def _compare_sorted(a, b):
    if a.value is None or b.value is None or a.kind not in "*~>":
        return "not both non-null arrays"
    if len(a.value) != len(b.value):
        return "arrays of different lengths (%d vs %d)" % (len(a.value), len(b.value))
    if sorted(x.raw for x in a.value) != sorted(x.raw for x in b.value):
        return "different elements"
    return None


def _pairs(r):
    if r.kind not in "%*" or r.value is None or len(r.value) % 2:
        return None
    v = r.value
    return [(v[i], v[i + 1]) for i in range(0, len(v), 2)]


def _compare_fields(ignored, a, b):
    pa, pb = _pairs(a), _pairs(b)
    if pa is None or pb is None:
        return "not maps"
    ka = [k.raw for k, _ in pa]
    kb = [k.raw for k, _ in pb]
    if ka != kb:
        return "different fields: %s vs %s" % (escape(b" ".join(ka)), escape(b" ".join(kb)))
    ignored = {f.encode() for f in ignored}
    for (k, va), (_, vb) in zip(pa, pb):
        key = k.value if isinstance(k.value, bytes) else str(k.value).encode()
        if key in ignored:
            if va.kind != vb.kind:
                return "field %s: types differ" % escape(key)
        elif va.raw != vb.raw:
            return "field %s differs" % escape(key)
    return None


def _kv_list(r):
    if not isinstance(r.value, bytes):
        return None
    text = r.value
    if r.kind == "=":  # verbatim: "txt:" prefix
        text = text[4:]
    out = []
    for word in text.split():
        k, sep, v = word.partition(b"=")
        out.append((k, v if sep else None))
    return out


def _compare_kvs(ignored, a, b):
    la, lb = _kv_list(a), _kv_list(b)
    if la is None or lb is None:
        return "not key=value texts"
    ka, kb = [k for k, _ in la], [k for k, _ in lb]
    if ka != kb:
        only_a = [k.decode("latin-1") for k in ka if k not in kb]
        only_b = [k.decode("latin-1") for k in kb if k not in ka]
        if only_a or only_b:
            return "different fields: only in the first %s, only in the second %s" % (only_a, only_b)
        return "same fields in a different order"
    ignored = {f.encode() for f in ignored}
    for i, ((k, va), (_, vb)) in enumerate(zip(la, lb)):
        if k not in ignored and va != vb:
            return "field %s (#%d) differs: %s vs %s" % (escape(k), i, escape(va or b""), escape(vb or b""))
    return None


def _info_fields(r):
    """{field: value} of an INFO text ("field:value" lines), or None."""
    if r.kind not in "$=" or not isinstance(r.value, bytes):
        return None
    text = r.value[4:] if r.kind == "=" else r.value
    out = {}
    for line in text.split(b"\n"):
        line = line.rstrip(b"\r")
        if line and not line.startswith(b"#"):
            k, sep, v = line.partition(b":")
            if sep:
                out[k] = v
    return out


def _compare_info(fields, a, b):
    fa, fb = _info_fields(a), _info_fields(b)
    if fa is None or fb is None:
        return "not INFO texts"
    for f in fields:
        k = f.encode()
        if k not in fa or k not in fb:
            return "field %s missing (%s)" % (f, "first" if k not in fa else "second")
        if fa[k] != fb[k]:
            return "field %s differs: %s vs %s" % (f, escape(fa[k]), escape(fb[k]))
    return None
