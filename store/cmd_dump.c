/*
 * DUMP and RESTORE with Redis's payload: the value's RDB encoding, the RDB
 * version (2 bytes) and a CRC64 of both (8 bytes), so a payload moves
 * between Magpie and redis-server either way. RESTORE parses and builds the
 * value before it takes the lock; under the lock it only links it.
 */
#include "store/cmd_util.h"
#include "store/commands.h"
#include "store/rdb.h"

#include "core/alloc.h"
#include "core/strconv.h"

#include <errno.h>

#define ERR_BUSYKEY     "BUSYKEY Target key name already exists."
#define ERR_BAD_PAYLOAD "ERR DUMP payload version or checksum are wrong"
#define ERR_BAD_FORMAT  "ERR Bad data format"

void dump_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    struct rdb_writer w;
    int rc = -ENOENT;
    SHARD_GUARD (k.shard) {
        struct entry *e = do_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, NULL);
        if (e) {
            struct value v;
            entry_value(e, &v);
            rc = rdb_dump_payload(&v, &w);
        }
    }
    if (rc == -ENOENT)
        reply_null(c->reply);
    else if (rc)
        reply_error(c->reply, ERR_OOM);
    else
        reply_bulk(c->reply, w.mem, w.used);
    if (rc != -ENOENT)
        rdb_writer_release(&w);
}

struct restore_args {
    bool replace, absttl;
    long long ttl, idle, freq;
};

/* The options after the payload, as Redis parses them: false after the error. */
static bool parse_restore_options(struct cmd_ctx *c, struct restore_args *a)
{
    a->idle = a->freq = -1;
    for (int j = 4; j < c->argc; j++) {
        bool more = j + 1 < c->argc;
        if (arg_is(&c->argv[j], "REPLACE")) {
            a->replace = true;
        } else if (arg_is(&c->argv[j], "ABSTTL")) {
            a->absttl = true;
        } else if (arg_is(&c->argv[j], "IDLETIME") && more && a->freq == -1) {
            if (!arg_ll(c, ++j, &a->idle))
                return false;
            if (a->idle < 0) {
                reply_error(c->reply, "ERR Invalid IDLETIME value, must be >= 0");
                return false;
            }
        } else if (arg_is(&c->argv[j], "FREQ") && more && a->idle == -1) {
            if (!arg_ll(c, ++j, &a->freq))
                return false;
            if (a->freq < 0 || a->freq > 255) {
                reply_error(c->reply, "ERR Invalid FREQ value, must be >= 0 and <= 255");
                return false;
            }
        } else {
            reply_error(c->reply, ERR_SYNTAX);
            return false;
        }
    }
    return true;
}

enum restore_outcome { RESTORED, RESTORE_BUSY, RESTORE_EXPIRED, RESTORE_OOM };

/* Links the new value (or, when its TTL is already due (Redis's
 * checkAlreadyExpired: when <= now), only deletes the old key
 * as REPLACE asks). */
static enum restore_outcome do_restore(struct shard *s, struct cmd_ctx *c, const struct key *k,
                                       const struct restore_args *a, struct value *v, int64_t when,
                                       struct entry **garbage) REQUIRES(&s->lock)
{
    bool exists = do_lookup(s, k, c->now_ms, LOOKUP_WRITE, NULL) != NULL;
    if (exists && !a->replace)
        return RESTORE_BUSY;
    if (when != ENTRY_NO_TTL && expire_passed(when, c->now_ms + 1)) {
        if (exists) {
            *garbage = do_detach_key(s, k);
            do_key_event(s, k, NOTIFY_GENERIC, "del");
        }
        return RESTORE_EXPIRED;
    }
    struct entry *e = entry_new(k->ptr, k->len, when != ENTRY_NO_TTL);
    if (!e || do_reserve_link(s, when != ENTRY_NO_TTL) != 0) {
        entry_free_shell(e);
        return RESTORE_OOM;
    }
    if (exists)
        *garbage = do_detach_key(s, k);
    uint32_t lru = entry_lru_clock(c->now_ms);
    if (a->idle >= 0) {
        uint64_t idle = (uint64_t)a->idle > ENTRY_LRU_MAX ? ENTRY_LRU_MAX : (uint64_t)a->idle;
        lru = (uint32_t)((lru + ENTRY_LRU_MAX + 1 - idle) & ENTRY_LRU_MAX);
    }
    entry_set_value(e, v, lru);
    if (when != ENTRY_NO_TTL)
        entry_set_expire_at(e, when);
    do_link_entry(s, k, e);
    do_key_event(s, k, NOTIFY_GENERIC, "restore");
    return RESTORED;
}

void restore_command(struct cmd_ctx *c)
{
    struct restore_args a = {0};
    if (!parse_restore_options(c, &a))
        return;
    /* Redis checks, in order: the key (BUSYKEY), the TTL, the payload. The
     * value is built first, outside the lock, and the errors held back. */
    const char *error = NULL;
    if (!strconv_parse_ll(c->argv[2].ptr, c->argv[2].len, &a.ttl))
        error = ERR_NOT_INT;
    else if (a.ttl < 0)
        error = "ERR Invalid TTL value, must be >= 0";
    const struct resp_arg *payload = &c->argv[3];
    struct value v;
    bool built = false;
    if (!error && !rdb_dump_payload_valid(payload->ptr, payload->len))
        error = ERR_BAD_PAYLOAD;
    if (!error) {
        int rc = rdb_load_value(c->ks, payload->ptr, payload->len - 10, &v, NULL);
        if (rc == -ENOMEM)
            error = ERR_OOM;
        else if (rc)
            error = ERR_BAD_FORMAT;
        built = rc == 0;
    }
    int64_t when = ENTRY_NO_TTL;
    if (built && a.ttl)
        when = a.absttl ? a.ttl : a.ttl > INT64_MAX - c->now_ms ? INT64_MAX : c->now_ms + a.ttl;
    struct key k;
    cmd_key(c, 1, &k);
    struct entry *garbage = NULL;
    enum restore_outcome outcome = RESTORE_OOM;
    SHARD_GUARD (k.shard) {
        if (!a.replace && do_lookup(k.shard, &k, c->now_ms, LOOKUP_WRITE, NULL))
            outcome = RESTORE_BUSY;
        else if (built)
            outcome = do_restore(k.shard, c, &k, &a, &v, when, &garbage);
    }
    entry_retire(garbage);
    if (built && outcome != RESTORED)
        value_release(v.type, v.encoding, v.p);
    if (outcome == RESTORE_BUSY)
        reply_error(c->reply, ERR_BUSYKEY);
    else if (error)
        reply_error(c->reply, error);
    else if (outcome == RESTORE_OOM)
        reply_error(c->reply, ERR_OOM);
    else
        reply_ok(c->reply);
}
