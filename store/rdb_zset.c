/*
 * Sorted sets in RDB, as Redis 7.0 writes them (RDB version 10): a listpack
 * set as ZSET_LISTPACK (the listpack's bytes, which is our in-memory layout
 * too), a large one as ZSET_2: the count, then member string and 8-byte
 * little-endian double per element, highest score first (Redis walks its
 * skiplist from the tail, so its loader always inserts at the head).
 *
 * Loading takes those and the older ZSET (scores as text) and ZSET_ZIPLIST.
 * Every element goes through zset_add with NX, so a duplicate member is
 * seen and refused, a blob's order is never trusted, and the encoding
 * follows zset-max-listpack-entries/value as Redis decides it on load: a
 * counted form keeps a listpack only when both limits hold, a packed blob
 * as long as the count fits (Redis does not look at member lengths there).
 */
#include "store/rdb_format.h"

#include "core/alloc.h"
#include "store/listpack.h"
#include "store/rdb_ziplist.h"
#include "store/zset_value.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define OOM_MESSAGE "Short read or OOM loading DB. Unrecoverable error, aborting now."

/* ---- writing ---- */

static void write_binary_double(struct rdb_writer *w, double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof(u));
    unsigned char buf[8];
    for (int i = 0; i < 8; i++)
        buf[i] = (unsigned char)(u >> (8 * i));
    rdb_write_bytes(w, buf, 8);
}

void rdb__write_zset(struct rdb_writer *w, const struct value *v)
{
    if (v->encoding == ENCODING_LISTPACK) {
        rdb_write_string(w, v->p.obj, listpack_bytes(v->p.obj));
        return;
    }
    uint64_t card = zset_card(v);
    rdb_write_len(w, card);
    if (card == 0)
        return;
    struct zset_iter it;
    struct zset_elem e;
    zset_iter_init(&it, v, card - 1, true);
    while (!w->error && zset_iter_next(&it, &e)) {
        rdb_write_string(w, e.ptr, e.len);
        write_binary_double(w, e.score);
    }
}

/* ---- reading ---- */

struct zbuild {
    struct rdb_reader *r;
    struct zset_limits lim;
    uint64_t hint;
    bool started;
    struct value v;
    const char *dup_message; /* what a duplicate member is called */
    char *member;            /* a blob's member waiting for its score */
    size_t member_len;
};

static void zb_add(struct zbuild *b, const char *m, size_t len, double score)
{
    if (isnan(score)) {
        rdb__fail(b->r, "Zset with NAN score detected");
        return;
    }
    if (!b->started) {
        if (zset_value_new(&b->lim, (size_t)b->hint, 0, &b->v)) {
            rdb__fail(b->r, OOM_MESSAGE);
            return;
        }
        b->started = true;
    }
    int out;
    if (zset_add(&b->v, &b->lim, score, m, len, ZADD_IN_NX, &out, NULL)) {
        rdb__fail(b->r, OOM_MESSAGE);
        return;
    }
    if (!(out & ZADD_OUT_ADDED))
        rdb__fail(b->r, "%s", b->dup_message);
}

/* ZSET's score: a length byte (253 nan, 254 +inf, 255 -inf) and that much
 * text, as Redis's rdbLoadDoubleValue reads it. */
static double read_text_double(struct rdb_reader *r)
{
    int n = rdb__read_byte(r);
    if (n < 0)
        return 0;
    if (n >= 253)
        return n == 253 ? NAN : n == 254 ? INFINITY : -INFINITY;
    const unsigned char *p = rdb__read_raw(r, (size_t)n);
    if (!p)
        return 0;
    char buf[256];
    memcpy(buf, p, (size_t)n);
    buf[n] = '\0';
    char *end;
    double d = strtod(buf, &end);
    if (end == buf)
        rdb__fail(r, "Bad zset score");
    return d;
}

static double read_binary_double(struct rdb_reader *r)
{
    const unsigned char *p = rdb__read_raw(r, 8);
    if (!p)
        return 0;
    uint64_t u = 0;
    for (int i = 0; i < 8; i++)
        u |= (uint64_t)p[i] << (8 * i);
    double d;
    memcpy(&d, &u, sizeof(d));
    return d;
}

/* ZSET and ZSET_2: a count, then member and score pairs. */
static void add_counted(struct zbuild *b, bool binary)
{
    uint64_t n = rdb__read_len(b->r, NULL);
    b->hint = n;
    for (uint64_t i = 0; i < n && !b->r->failed; i++) {
        size_t len;
        char *m = rdb__read_string(b->r, &len);
        if (!m)
            return;
        double score = binary ? read_binary_double(b->r) : read_text_double(b->r);
        if (!b->r->failed)
            zb_add(b, m, len, score);
        mem_free(m);
    }
}

/* A packed entry: a member (kept until its score comes) or a score. */
static bool add_packed_entry(void *ctx, const char *s, size_t len)
{
    struct zbuild *b = ctx;
    if (!b->member) {
        b->member = mem_alloc(len + 1);
        if (!b->member) {
            rdb__fail(b->r, OOM_MESSAGE);
            return false;
        }
        memcpy(b->member, s, len);
        b->member_len = len;
        return true;
    }
    double score;
    if (!zset_parse_score(s, len, &score)) {
        rdb__fail(b->r, "%s", b->dup_message);
        return false;
    }
    zb_add(b, b->member, b->member_len, score);
    mem_free(b->member);
    b->member = NULL;
    return !b->r->failed;
}

/* ZSET_LISTPACK and ZSET_ZIPLIST: one blob of member, score entries. */
static void add_blob(struct zbuild *b, bool listpack)
{
    size_t len;
    char *blob = rdb__read_string(b->r, &len);
    if (!blob)
        return;
    bool ok;
    if (listpack) {
        ok = listpack_validate(blob, len, true);
        const struct listpack *lp = (const struct listpack *)(const void *)blob;
        unsigned char buf[LISTPACK_INT_BUF];
        for (size_t pos = ok ? listpack_first(lp) : 0; pos && ok; pos = listpack_next(lp, pos)) {
            size_t n;
            const unsigned char *s = listpack_get_bytes(lp, pos, &n, buf);
            ok = add_packed_entry(b, (const char *)s, n);
        }
    } else {
        ok = rdb_ziplist_foreach(blob, len, add_packed_entry, b);
    }
    if ((!ok || b->member) && !b->r->failed)
        rdb__fail(b->r, "%s", b->dup_message); /* malformed, or a member without score */
    mem_free(blob);
}

bool rdb__is_zset_type(int rdb_type)
{
    return rdb_type == RDB_TYPE_ZSET || rdb_type == RDB_TYPE_ZSET_2 ||
           rdb_type == RDB_TYPE_ZSET_ZIPLIST || rdb_type == RDB_TYPE_ZSET_LISTPACK;
}

int rdb__read_zset(struct rdb_reader *r, int rdb_type, struct value *out)
{
    struct zbuild b = {.r = r, .dup_message = "Duplicate zset fields detected"};
    zset_limits_of(r->ks, &b.lim);
    if (rdb_type == RDB_TYPE_ZSET || rdb_type == RDB_TYPE_ZSET_2) {
        add_counted(&b, rdb_type == RDB_TYPE_ZSET_2);
    } else {
        bool lp = rdb_type == RDB_TYPE_ZSET_LISTPACK;
        b.dup_message =
            lp ? "Zset listpack integrity check failed." : "Zset ziplist integrity check failed.";
        b.lim.max_listpack_value = UINT64_MAX; /* only the count decides */
        add_blob(&b, lp);
    }
    mem_free(b.member);
    if (!r->failed && !b.started)
        rdb__fail(r, "Empty keys are not allowed");
    if (r->failed) {
        if (b.started)
            zset_value_free(&b.v);
        return -EINVAL;
    }
    *out = b.v;
    return 0;
}
