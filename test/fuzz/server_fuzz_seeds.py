#!/usr/bin/env python3
"""Writes hand-made seeds for server_fuzz (test/fuzz/server_fuzz.c) into
test/fuzz/corpus/server_fuzz/: command lines with boundary arguments, in the
target's input encoding: the command by name (0xff, length, "scan" or
"config|set"), so the seeds survive changes in the command table's order;
one byte of argument count; per argument a dictionary index below 224, or
224+, a length and raw bytes.

Usage: server_fuzz_seeds.py"""
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
src = open(os.path.join(HERE, 'server_fuzz.c')).read()
body = src[src.index('} dictionary[] = {'):]
body = body[:body.index('};')]
LITERAL = r'"(?:[^"\\]|\\.)*"'
words = [b''.join(eval('b' + piece) for piece in re.findall(LITERAL, w))
         for w in re.findall(r'W\(((?:\s*' + LITERAL + r')+)\)', body)]


def encode(name, *args):
    out = bytes([0xff, len(name)]) + name.encode() + bytes([len(args)])
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        if a in words and words.index(a) < 224:
            out += bytes([words.index(a)])
        else:
            out += bytes([224, len(a)]) + a
    return out


seeds = {
    'scan-count-max': [('set', 'k', 'k'), ('scan', '0', 'COUNT', '9223372036854775807')],
    'expire-overflow': [('set', 'k', 'k'), ('expire', 'k', '9223372036854775807'),
                        ('getex', 'k', 'PX', '9223372036854775807')],
    'setrange-bounds': [('setrange', 'k', '1048576', 'k'), ('setrange', 'k', '-1', 'k')],
    'lists': [('rpush', 'k', '1', '2', '10'), ('lpos', 'k', '1', 'RANK', '-9223372036854775808'),
              ('lrange', 'k', '-9223372036854775808', '9223372036854775807'),
              ('lmpop', '1', 'k', 'LEFT', 'COUNT', '9223372036854775807')],
    'config-set': [('config|set', 'maxclients', '4294967295'), ('config|set', 'hz', '2147483647'),
                   ('config|set', 'timeout', b'1\0'),
                   ('config|set', 'client-output-buffer-limit', 'normal 0 0 0')],
    'client': [('client|list', 'ID', '-1'), ('client|setname', b'a\0b'), ('client|info',),
               ('client|no-evict', 'ON')],
    'incrbyfloat': [('set', 'k', '1e308'), ('incrbyfloat', 'k', '1e308'),
                    ('incrbyfloat', 'k', 'nan')],
    'object': [('set', 'k', 'k'), ('object|freq', 'k'), ('object|encoding', 'k')],
}
corpus = os.path.join(HERE, 'corpus', 'server_fuzz')
os.makedirs(corpus, exist_ok=True)
for name, lines in seeds.items():
    data = b''.join(encode(l[0], *l[1:]) for l in lines)
    with open(os.path.join(corpus, 'seed-' + name), 'wb') as f:
        f.write(data)
print(len(seeds), 'seeds written')
