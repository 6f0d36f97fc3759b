/*
 * OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ / HELP.
 *
 * REFCOUNT answers as Redis does for the same data, not our internal count:
 * 2147483647 for the integers 0..9999 (shared objects in Redis), 1 otherwise;
 * a buffer's real reference count includes replies in flight and would make
 * the answer depend on timing. IDLETIME uses the entry's 24-bit LRU clock
 * (seconds), updated by every lookup that touches the key. FREQ needs an LFU
 * maxmemory policy, which Magpie does not have, so it errors as Redis does
 * without one.
 */
#include "store/cmd_util.h"
#include "store/commands.h"

#define SHARED_INTEGERS 10000 /* Redis's OBJ_SHARED_INTEGERS */
#define SHARED_REFCOUNT 2147483647

enum object_field { OBJECT_ENCODING, OBJECT_REFCOUNT, OBJECT_IDLETIME, OBJECT_FREQ };

/* What OBJECT reports about a key, read under its lock: false when missing. */
static bool do_object_info(struct shard *s, const struct key *k, enum object_field field,
                           int64_t now_ms, const char **encoding, long long *number)
    REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_READ | LOOKUP_NOTOUCH | LOOKUP_NONOTIFY, NULL);
    if (!e)
        return false;
    struct value v;
    entry_value(e, &v);
    *encoding = value_encoding_name(v.encoding);
    if (field == OBJECT_REFCOUNT)
        *number = v.encoding == ENCODING_INT && v.p.num >= 0 && v.p.num < SHARED_INTEGERS
                      ? SHARED_REFCOUNT
                      : 1;
    else if (field == OBJECT_IDLETIME)
        *number = (long long)entry_idle_seconds(e, now_ms);
    return true;
}

static void object_generic(struct cmd_ctx *c, enum object_field field)
{
    struct key k;
    cmd_key(c, 2, &k);
    bool found = false;
    const char *encoding = NULL;
    long long number = 0;
    SHARD_GUARD (k.shard)
        found = do_object_info(k.shard, &k, field, c->now_ms, &encoding, &number);
    if (!found) {
        reply_null(c->reply);
        return;
    }
    switch (field) {
    case OBJECT_ENCODING:
        reply_bulk_cstr(c->reply, encoding);
        break;
    case OBJECT_REFCOUNT:
    case OBJECT_IDLETIME:
        reply_int(c->reply, number);
        break;
    case OBJECT_FREQ:
        reply_error(c->reply,
                    "ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
                    "Please note that when switching between policies at runtime LRU and LFU data "
                    "will take some time to adjust.");
        break;
    }
}

void object_encoding_command(struct cmd_ctx *c)
{
    object_generic(c, OBJECT_ENCODING);
}

void object_refcount_command(struct cmd_ctx *c)
{
    object_generic(c, OBJECT_REFCOUNT);
}

void object_idletime_command(struct cmd_ctx *c)
{
    object_generic(c, OBJECT_IDLETIME);
}

void object_freq_command(struct cmd_ctx *c)
{
    object_generic(c, OBJECT_FREQ);
}

void object_help_command(struct cmd_ctx *c)
{
    static const char *const lines[] = {
        "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "ENCODING <key>",
        "    Return the kind of internal representation used in order to store the value",
        "    associated with a <key>.",
        "FREQ <key>",
        "    Return the access frequency index of the <key>. The returned integer is",
        "    proportional to the logarithm of the recent access frequency of the key.",
        "IDLETIME <key>",
        "    Return the idle time of the <key>, that is the approximated number of",
        "    seconds elapsed since the last access to the key.",
        "REFCOUNT <key>",
        "    Return the number of references of the value associated with the specified",
        "    <key>.",
        "HELP",
        "    Prints this help.",
    };
    reply_simple_lines(c->reply, lines, ARRAY_SIZE(lines));
}
