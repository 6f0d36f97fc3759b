/*
 * PFADD, PFCOUNT, PFMERGE: HyperLogLogs kept in ordinary strings, in
 * Redis's representation (store/hll.h).
 *
 * An HLL changes in a private working copy (struct hll_buf) built under the
 * shard lock; the result is written back through the strbuf rule (in place
 * into a growable buffer nobody else holds, else into a new buffer that
 * replaces the value), so lock-free readers and snapshots never see a
 * half-written HLL. PFCOUNT refreshes the cached cardinality in the value,
 * as Redis does: a change that is announced (WATCH sees it, a log replays
 * it) but notifies nobody, like Redis's signalModifiedKey without an event.
 * The multi-key forms lock every shard involved at once.
 */
#include "store/cmd_hll.h"
#include "store/commands.h"
#include "store/multilock.h"
#include "store/strbuf.h"

#include "core/alloc.h"

void reply_hll_error(struct cmd_ctx *c, enum hll_result r)
{
    static const char *const messages[] = {
        [HLL_ERR_WRONGTYPE] = ERR_WRONGTYPE,
        [HLL_ERR_NOT_HLL] = ERR_NOT_HLL,
        [HLL_ERR_INVALID] = ERR_INVALID_HLL,
        [HLL_ERR_OOM] = ERR_OOM,
    };
    reply_error(c->reply, messages[r]);
}

size_t hll_sparse_max(const struct cmd_ctx *c)
{
    return (size_t)atomic_load_explicit(&c->ks->hll_sparse_max, memory_order_relaxed);
}

enum hll_result hll_of(struct entry *e, const uint8_t **p, size_t *len)
{
    if (entry_type(e) != VALUE_STRING)
        return HLL_ERR_WRONGTYPE;
    if (entry_encoding(e) == ENCODING_INT)
        return HLL_ERR_NOT_HLL;
    struct bytes *b = entry_payload(e).str;
    *p = (const uint8_t *)b->data;
    *len = b->len;
    return hll_header_valid(*p, *len) ? HLL_OK : HLL_ERR_NOT_HLL;
}

bool do_hll_store(struct shard *s, const struct key *k, struct entry *e, const struct hll_buf *h,
                  int64_t now_ms)
{
    struct value cur, v;
    struct bytes *b;
    if (e) {
        do_entry_will_change(s, e); /* PFCOUNT's cache looked it up to read */
        entry_value(e, &cur);
        /* A growable buffer may take the bytes in place (strbuf.h's rule);
         * anything else gets an exact-size buffer, grown later if need be. */
        if (cur.encoding == ENCODING_RAW_GROWABLE) {
            if (strbuf_writable(&cur, h->len, &b) != 0)
                return false;
            memcpy(b->data, h->data, h->len);
        } else if (!(b = bytes_new(h->data, h->len))) {
            return false;
        }
        do_changed(s);
        if (cur.encoding != ENCODING_RAW_GROWABLE || b != cur.p.str) {
            value_string_growable(b, &v);
            do_replace_value(s, e, &v, now_ms);
        }
        return true;
    }
    if (!(b = bytes_new(h->data, h->len)))
        return false;
    value_string_growable(b, &v);
    if (do_insert(s, k, &v, ENTRY_NO_TTL, now_ms))
        return true;
    value_release(v.type, v.encoding, v.p);
    return false;
}

bool hll_write_converts(struct entry *e)
{
    return e && entry_encoding(e) == ENCODING_EMBSTR;
}

/*
 * PFADD into a dense HLL kept in a growable buffer: edited in place when
 * the entry alone holds the buffer (strbuf.h's rule), else in the copy
 * strbuf makes, stored only if a register grew. Dense registers never move
 * or grow, so the buffer itself serves as the working copy.
 */
static enum hll_result do_pfadd_dense(struct shard *s, const struct key *k, struct entry *e,
                                      const struct resp_arg *elems, int n, int64_t now_ms,
                                      bool *updated) REQUIRES(&s->lock)
{
    struct value cur;
    entry_value(e, &cur);
    struct bytes *b;
    if (strbuf_writable(&cur, cur.p.str->len, &b) != 0)
        return HLL_ERR_OOM;
    struct hll_buf view = {(uint8_t *)b->data, b->len, b->len};
    int changes = 0;
    for (int i = 0; i < n; i++)
        if (hll_add(&view, elems[i].ptr, elems[i].len, 0) == 1) /* dense: 0 or 1 */
            changes++;
    *updated = changes > 0;
    if (!changes) {
        if (b != cur.p.str)
            bytes_unref(b); /* a copy nobody needs */
        return HLL_OK;
    }
    do_changed(s);
    if (b != cur.p.str) {
        struct value v;
        value_string_growable(b, &v);
        do_replace_value(s, e, &v, now_ms);
    }
    do_key_event(s, k, NOTIFY_STRING, "pfadd");
    return HLL_OK;
}

static enum hll_result do_pfadd(struct shard *s, const struct key *k, const struct resp_arg *elems,
                                int n, size_t max_sparse, int64_t now_ms, bool *updated)
    REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, NULL);
    const uint8_t *p = NULL;
    size_t len = 0;
    if (e) {
        enum hll_result r = hll_of(e, &p, &len);
        if (r != HLL_OK)
            return r;
        if (p[4] == HLL_DENSE && entry_encoding(e) == ENCODING_RAW_GROWABLE)
            return do_pfadd_dense(s, k, e, elems, n, now_ms, updated);
    }
    struct hll_buf h;
    if (hll_buf_init(&h, p, len) != 0)
        return HLL_ERR_OOM;
    int changes = e ? 0 : 1; /* creating the key is a change */
    int error = 0;
    for (int i = 0; i < n && !error; i++) {
        int r = hll_add(&h, elems[i].ptr, elems[i].len, max_sparse);
        if (r == 1)
            changes++;
        else if (r < 0)
            error = r;
    }
    enum hll_result result = HLL_OK;
    if (error == HLL_NOMEM) {
        result = HLL_ERR_OOM; /* nothing stored: the HLL stays as it was */
    } else if (changes || hll_write_converts(e)) {
        if (changes)
            hll_cache_invalidate(h.data);
        if (!do_hll_store(s, k, e, &h, now_ms)) {
            result = HLL_ERR_OOM;
        } else if (changes && !error) {
            do_key_event(s, k, NOTIFY_STRING, "pfadd");
        } else {
            /* A corrupted HLL found after some registers were raised keeps
             * them (Redis changes it in place), notifying nobody. */
            do_key_event(s, k, 0, "pfadd");
        }
    }
    hll_buf_free(&h);
    *updated = changes > 0;
    return error == HLL_INVALID ? HLL_ERR_INVALID : result;
}

/* PFADD key [element ...] */
void pfadd_command(struct cmd_ctx *c)
{
    struct key k;
    cmd_key(c, 1, &k);
    bool updated = false;
    enum hll_result r = HLL_ERR_OOM; /* set under the lock */
    SHARD_GUARD (k.shard)
        r = do_pfadd(k.shard, &k, &c->argv[2], c->argc - 2, hll_sparse_max(c), c->now_ms, &updated);
    if (r != HLL_OK)
        reply_hll_error(c, r);
    else
        reply_int(c->reply, updated);
}

/* PFCOUNT of one key: the cached cardinality, or a new count that is cached. */
static enum hll_result do_pfcount_one(struct shard *s, const struct key *k, int64_t now_ms,
                                      uint64_t *card) REQUIRES(&s->lock)
{
    *card = 0;
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_READ, NULL);
    if (!e)
        return HLL_OK;
    const uint8_t *p;
    size_t len;
    enum hll_result r = hll_of(e, &p, &len);
    if (r != HLL_OK)
        return r;
    bool cached = hll_cache_get(p, card);
    if (!cached && !hll_count(p, len, card))
        return HLL_ERR_INVALID;
    if (cached && !hll_write_converts(e))
        return HLL_OK;
    struct hll_buf h;
    if (hll_buf_init(&h, p, len) != 0)
        return HLL_ERR_OOM;
    hll_cache_set(h.data, *card);
    bool stored = do_hll_store(s, k, e, &h, now_ms);
    hll_buf_free(&h);
    if (!stored)
        return HLL_ERR_OOM;
    do_key_event(s, k, 0, "pfcount"); /* announced, not notified (as Redis) */
    return HLL_OK;
}

/*
 * Merges the HLLs of keys[0..n) into max (missing keys are empty), in
 * order, stopping at the first that is not an HLL; *any_dense when one is
 * dense. Every key's shard is locked.
 */
static enum hll_result do_merge_keys(const struct key *keys, int n, int64_t now_ms, uint8_t *max,
                                     bool *any_dense)
{
    for (int i = 0; i < n; i++) {
        shard_assume_held(keys[i].shard);
        struct entry *e = do_lookup(keys[i].shard, &keys[i], now_ms, LOOKUP_READ, NULL);
        if (!e)
            continue;
        const uint8_t *p;
        size_t len;
        enum hll_result r = hll_of(e, &p, &len);
        if (r != HLL_OK)
            return r;
        if (p[4] == HLL_DENSE)
            *any_dense = true;
        if (!hll_merge(max, p, len))
            return HLL_ERR_INVALID;
    }
    return HLL_OK;
}

/* PFCOUNT key [key ...]: several keys count their union, and cache nothing. */
void pfcount_command(struct cmd_ctx *c)
{
    uint64_t card = 0;
    enum hll_result r = HLL_ERR_OOM; /* set under the lock(s) */
    if (c->argc == 2) {
        struct key k;
        cmd_key(c, 1, &k);
        SHARD_GUARD (k.shard)
            r = do_pfcount_one(k.shard, &k, c->now_ms, &card);
    } else {
        struct multi_keys mk;
        if (!multi_keys_init(&mk, c, 1, c->argc - 1, 1))
            return;
        uint8_t *max = mem_calloc(1, HLL_REGISTERS);
        bool any_dense = false;
        if (max) {
            SHARD_SET_GUARD (&mk.set)
                r = do_merge_keys(mk.keys, mk.n, c->now_ms, max, &any_dense);
            if (r == HLL_OK)
                card = hll_count_registers(max);
        }
        mem_free(max);
        multi_keys_free(&mk);
    }
    if (r != HLL_OK)
        reply_hll_error(c, r);
    else
        reply_int(c->reply, (long long)card);
}

/* PFMERGE into keys[0] (also the first source, as in Redis), all locked. */
static enum hll_result do_pfmerge(const struct key *keys, int n, size_t max_sparse, int64_t now_ms,
                                  uint8_t *max)
{
    bool any_dense = false;
    enum hll_result r = do_merge_keys(keys, n, now_ms, max, &any_dense);
    if (r != HLL_OK)
        return r;
    struct shard *s = keys[0].shard;
    shard_assume_held(s);
    struct entry *e = do_lookup(s, &keys[0], now_ms, LOOKUP_WRITE, NULL);
    const uint8_t *p = NULL;
    size_t len = 0;
    if (e)
        hll_of(e, &p, &len); /* checked as a source above */
    struct hll_buf h;
    if (hll_buf_init(&h, p, len) != 0)
        return HLL_ERR_OOM;
    int rc = any_dense ? hll_to_dense(&h) : 0;
    for (uint32_t i = 0; i < HLL_REGISTERS && rc >= 0; i++)
        if (max[i])
            rc = hll_set_register(&h, i, max[i], max_sparse);
    if (rc == HLL_NOMEM) {
        r = HLL_ERR_OOM;
    } else if (rc == HLL_INVALID) {
        r = HLL_ERR_INVALID; /* (the destination was checked as a source) */
    } else {
        hll_cache_invalidate(h.data);
        if (!do_hll_store(s, &keys[0], e, &h, now_ms))
            r = HLL_ERR_OOM;
        else /* a mass PFADD, as Redis announces it, changed or not */
            do_key_event(s, &keys[0], NOTIFY_STRING, "pfadd");
    }
    hll_buf_free(&h);
    return r;
}

/* PFMERGE destkey [sourcekey ...] */
void pfmerge_command(struct cmd_ctx *c)
{
    struct multi_keys mk;
    if (!multi_keys_init(&mk, c, 1, c->argc - 1, 1))
        return;
    uint8_t *max = mem_calloc(1, HLL_REGISTERS);
    enum hll_result r = HLL_ERR_OOM; /* set under the locks */
    if (max) {
        SHARD_SET_GUARD (&mk.set)
            r = do_pfmerge(mk.keys, mk.n, hll_sparse_max(c), c->now_ms, max);
    }
    mem_free(max);
    multi_keys_free(&mk);
    if (r != HLL_OK)
        reply_hll_error(c, r);
    else
        reply_ok(c->reply);
}
