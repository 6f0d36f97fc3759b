/*
 * Shared by the command files (cmd_*.c): Redis's error strings, argument
 * parsing that replies Redis's errors, locating a command's keys, and
 * snapshots of string values taken under a shard lock and replied after it
 * is released. Private to store/.
 */
#ifndef MAGPIE_STORE_CMD_UTIL_H
#define MAGPIE_STORE_CMD_UTIL_H

#include "store/command.h"
#include "store/keyspace_impl.h"
#include "store/multilock.h"
#include "store/number.h"

#include "core/strconv.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#define ERR_SYNTAX      "ERR syntax error"
#define ERR_NOT_INT     "ERR value is not an integer or out of range"
#define ERR_NOT_FLOAT   "ERR value is not a valid float"
#define ERR_WRONGTYPE   "WRONGTYPE Operation against a key holding the wrong kind of value"
#define ERR_OVERFLOW    "ERR increment or decrement would overflow"
#define ERR_NAN         "ERR increment would produce NaN or Infinity"
#define ERR_NO_KEY      "ERR no such key"
#define ERR_DB_RANGE    "ERR DB index is out of range"
#define ERR_SAME_OBJECT "ERR source and destination objects are the same"
#define ERR_TOO_BIG     "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
/* Allocation failed while executing: nothing was changed. */
#define ERR_OOM         "OOM out of memory, command not executed"

/*
 * What a do_* step of a command found, for the reply after the lock is
 * released: CMD_OK, or one of Redis's errors (store_reply_error writes it).
 * Outcomes that are not errors (NX found the key, nothing to do) are the
 * command's own out-parameters.
 */
enum cmd_result {
    CMD_OK = 0,
    CMD_ERR_WRONGTYPE,
    CMD_ERR_OOM,
    CMD_ERR_NOT_INT,
    CMD_ERR_NOT_FLOAT,
    CMD_ERR_OVERFLOW,
    CMD_ERR_NAN,
    CMD_ERR_TOO_BIG,
    CMD_ERR_NO_KEY,
};
/* Replies the error of a result that is not CMD_OK; returns whether it did. */
bool reply_result_error(struct cmd_ctx *c, enum cmd_result r);

/* Parses argv[i] as Redis's getLongLongFromObjectOrReply: false after
 * replying `ERR value is not an integer or out of range`. */
bool arg_ll(struct cmd_ctx *c, int i, long long *out);
/* getRangeLongFromObjectOrReply: an integer in [min, max]; `msg` (may be
 * NULL) replaces both errors as in Redis. */
bool arg_ll_range(struct cmd_ctx *c, int i, long long min, long long max, const char *msg,
                  long long *out);
/* getIntFromObjectOrReply. */
bool arg_int(struct cmd_ctx *c, int i, const char *msg, int *out);
/* A SCAN-family cursor, with strtoul's semantics as Redis parses it ("" is
 * 0, "-1" wraps): false after replying `ERR invalid cursor`. */
bool arg_cursor(struct cmd_ctx *c, int i, uint64_t *out);
/* The SCAN family's options from argv[first] on: MATCH (*pattern stays NULL
 * for none or "*"), COUNT (at least 1) and, only where `type` is not NULL,
 * SCAN's TYPE. False after replying the error. */
bool arg_scan_options(struct cmd_ctx *c, int first, long long *count,
                      const struct resp_arg **pattern, const struct resp_arg **type);
/* Redis's maxiterations for a call: 10 x COUNT, saturated, since COUNT may
 * be as large as LLONG_MAX. */
static inline long long scan_budget(long long count)
{
    return count > LLONG_MAX / 10 ? LLONG_MAX : count * 10;
}

/* Building a canonical form for cmd_rewrite (store/command.h):
 *     char ms[STRCONV_LL_BUF];
 *     struct resp_arg av[] = {ARG_LITERAL("PEXPIREAT"), c->argv[1], arg_number(ms, when)};
 *     cmd_rewrite(c, 3, av);                                                              */
#define ARG_LITERAL(s) ((struct resp_arg){(s), sizeof(s) - 1, NULL})
static inline struct resp_arg arg_number(char buf[STRCONV_LL_BUF], long long v)
{
    return (struct resp_arg){buf, strconv_format_ll(buf, v), NULL};
}

/* The largest string a command may build: proto-max-bulk-len as configured
 * (keyspace_set_max_string_len), within what a buffer can hold. */
static inline uint64_t string_max_len(const struct cmd_ctx *c)
{
    uint64_t limit = atomic_load_explicit(&c->ks->max_string_len, memory_order_relaxed);
    return limit < BYTES_MAX_LEN ? limit : BYTES_MAX_LEN;
}

/* Where argv[i] lives in the selected database. */
static inline void cmd_key(struct cmd_ctx *c, int i, struct key *k)
{
    key_locate(c->ks, c->db, c->argv[i].ptr, c->argv[i].len, k);
}

/*
 * The keys argv[first], argv[first + step], ... (up to argv[last]) located,
 * and the set of their shards, ready for SHARD_SET_GUARD(&mk.set).
 */
#define MULTI_KEYS_INLINE 8
struct multi_keys {
    int n;
    struct key *keys;
    struct shard_set set;
    struct key inline_keys[MULTI_KEYS_INLINE];
};
/* False after replying the OOM error (nothing to free then). */
bool multi_keys_init(struct multi_keys *mk, struct cmd_ctx *c, int first, int last, int step);
void multi_keys_free(struct multi_keys *mk);

/* `ERR invalid expire time in '<name>' command` */
void reply_invalid_expire(struct cmd_ctx *c, const char *name);
/*
 * A time argument as absolute Unix ms, the one conversion behind SET EX / PX
 * / EXAT / PXAT, GETEX, SETEX, PSETEX and EXPIRE and friends: v in seconds
 * or ms, plus `base` (now for a relative time, 0 for an absolute one, never
 * negative). False when the result does not fit (Redis then answers
 * reply_invalid_expire). Whether v may be zero or negative is the caller's
 * rule (SET's must be positive; EXPIRE's may be in the past).
 */
bool expire_time_ms(long long v, bool seconds, int64_t base, int64_t *when);

/*
 * A string value copied out of an entry under its shard lock, replied and
 * released after the lock is dropped: the integer, a copy of a short value
 * (at most SNAPSHOT_INLINE bytes: cheaper than two atomic operations on a
 * refcount that readers of a hot key would bounce between cores), or a
 * reference to the immutable buffer of a longer one.
 */
#define SNAPSHOT_INLINE 64
struct string_snapshot {
    bool present;
    bool is_int;
    int64_t num;
    struct bytes *buf; /* one reference, or NULL when the value is inline */
    uint32_t inline_len;
    char inline_data[SNAPSHOT_INLINE];
};

/* Takes the snapshot (a new reference). The entry must be a string. */
void do_string_snapshot(struct shard *s, const struct entry *e, struct string_snapshot *out)
    REQUIRES(&s->lock);
/* The same from a lock-free lookup (shard_peek) of a string, inside its EBR
 * section. False, taking nothing, for a value that may change in place
 * (ENCODING_RAW_GROWABLE): read it under the lock. */
bool view_string_snapshot(const struct entry_view *v, struct string_snapshot *out);
/*
 * GET's read without the lock: the snapshot of key k's string, or
 * *wrongtype, counted as a hit or a miss (PEEK_HIT / PEEK_MISS). PEEK_LOCK:
 * no answer (nothing taken, nothing counted but the fallback): run the
 * locked path.
 */
enum peek_result peek_string_snapshot(const struct key *k, int64_t now_ms,
                                      struct string_snapshot *out, bool *wrongtype);
/*
 * Key k's string under its shard lock: false when it holds another type,
 * else true with *out taken (out->present false for a missing key).
 */
bool do_read_string(struct shard *s, const struct key *k, int64_t now_ms,
                    struct string_snapshot *out) REQUIRES(&s->lock);
/* The same, without the lock when it can (peek_string_snapshot). */
bool read_string(const struct key *k, int64_t now_ms, struct string_snapshot *out);

/*
 * Lock-free reads for the other read commands (store/shard.h explains the
 * scheme). Both count a hit or miss per key (flags must be LOOKUP_READ, with
 * or without LOOKUP_NOTOUCH) when they answer, and a fallback when they
 * do not; then the caller runs its locked path, which counts its own.
 *
 * peek_fields: one key, for answers made of the entry's fields alone (type,
 * expiry, an integer): the view is a consistent snapshot, but its buffer
 * must not be dereferenced (the read section is closed).
 *
 * peek_many: up to PEEK_MANY_MAX keys whose snapshots hold at one instant,
 * as under all their locks: visit(ctx, i, view) runs for every key inside
 * the read section (so it may copy a buffer; view->e is NULL for a missing
 * key) and may refuse (false: e.g. a growable buffer); then every shard is
 * re-checked. False when any key needed the lock, a visit refused or a
 * shard changed: the caller drops whatever visit took and locks.
 */
enum peek_result peek_fields(const struct key *k, int64_t now_ms, unsigned flags,
                             struct entry_view *view);
#define PEEK_MANY_MAX 16
typedef bool (*peek_visit_fn)(void *ctx, int i, const struct entry_view *view);
bool peek_many(const struct key *keys, int n, int64_t now_ms, unsigned flags, peek_visit_fn visit,
               void *ctx);
/* Replies the bulk value (or null when !present) and drops the reference. */
void reply_snapshot(struct reply *r, struct string_snapshot *snap);
void snapshot_release(struct string_snapshot *snap);
/* The bytes of the value: the buffer, or the digits written into `digits`. */
const char *snapshot_data(const struct string_snapshot *snap, char digits[STRCONV_LL_BUF],
                          size_t *len);

#endif
