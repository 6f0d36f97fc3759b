#include "store/shard.h"

#include "store/hash.h"

#include <assert.h>
#include <errno.h>

void shard_init(struct shard *s) NO_THREAD_SAFETY
{
    lock_init(&s->lock);
    table_init(&s->table);
    ttl_index_init(&s->ttl);
    atomic_init(&s->hits, 0);
    atomic_init(&s->misses, 0);
    atomic_init(&s->expired, 0);
}

void shard_destroy(struct shard *s) NO_THREAD_SAFETY
{
    ttl_index_free(&s->ttl);
    table_clear(&s->table);
    lock_destroy(&s->lock);
}

void do_stat_add(struct shard *s, ATOMIC(uint64_t) * counter, uint64_t n)
{
    (void)s;
    uint64_t v = atomic_load_explicit(counter, memory_order_relaxed);
    atomic_store_explicit(counter, v + n, memory_order_relaxed);
}

/* Unlinks the entry and drops it from the TTL index. */
static struct entry *do_unlink(struct shard *s, struct table_pos pos) REQUIRES(&s->lock)
{
    struct entry *e = table_unlink(&s->table, pos);
    if (e->has_ttl_slot && entry_ttl_index(e) != ENTRY_NO_INDEX)
        ttl_index_remove(&s->ttl, e);
    return e;
}

struct entry *do_detach(struct shard *s, struct table_pos pos)
{
    return do_unlink(s, pos);
}

void do_delete(struct shard *s, struct table_pos pos)
{
    entry_free(do_unlink(s, pos));
}

struct entry *do_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                        struct table_pos *pos)
{
    struct table_pos found;
    struct entry *e = table_find(&s->table, k->hash, k->ptr, k->len, &found);
    if (e && expire_passed(entry_expire_at(e), now_ms)) {
        do_delete(s, found);
        do_stat_add(s, &s->expired, 1);
        e = NULL;
    }
    if (!(flags & (LOOKUP_WRITE | LOOKUP_NOSTATS)))
        do_stat_add(s, e ? &s->hits : &s->misses, 1);
    if (!e)
        return NULL;
    if (!(flags & LOOKUP_NOTOUCH)) {
        uint32_t clock = entry_lru_clock(now_ms);
        if (e->lru != clock) /* keep the cache line clean when nothing changes */
            e->lru = clock;
    }
    if (pos)
        *pos = found;
    return e;
}

struct entry *do_insert(struct shard *s, const struct key *k, const struct value *v, int64_t when,
                        int64_t now_ms)
{
    bool ttl = when != ENTRY_NO_TTL;
    if (ttl && ttl_index_reserve(&s->ttl) != 0)
        return NULL;
    struct entry *e = entry_new(k->ptr, k->len, ttl);
    if (!e)
        return NULL;
    entry_set_value(e, v);
    e->lru = entry_lru_clock(now_ms);
    if (table_insert(&s->table, k->hash, e) != 0) {
        entry_free_shell(e);
        return NULL;
    }
    if (ttl) {
        entry_set_expire_at(e, when);
        ttl_index_add(&s->ttl, e);
    }
    return e;
}

int do_reserve_link(struct shard *s, bool with_ttl)
{
    if (table_reserve(&s->table) != 0)
        return -ENOMEM;
    return with_ttl ? ttl_index_reserve(&s->ttl) : 0;
}

void do_link_entry(struct shard *s, const struct key *k, struct entry *e)
{
    int rc = table_insert(&s->table, k->hash, e);
    assert(rc == 0); /* do_reserve_link ran under this lock hold */
    (void)rc;
    if (entry_expire_at(e) != ENTRY_NO_TTL) {
        assert(s->ttl.count < s->ttl.cap);
        ttl_index_add(&s->ttl, e);
    }
}

struct entry *do_detach_key(struct shard *s, const struct key *k)
{
    struct table_pos pos;
    struct entry *e = table_find(&s->table, k->hash, k->ptr, k->len, &pos);
    assert(e);
    (void)e;
    return do_unlink(s, pos);
}

void do_replace_value(struct shard *s, struct entry *e, const struct value *v, int64_t now_ms)
{
    (void)s;
    value_release(e->type, e->encoding, e->val);
    entry_set_value(e, v);
    e->lru = entry_lru_clock(now_ms);
}

int do_reserve_expire(struct shard *s, struct entry *e)
{
    if (e->has_ttl_slot && entry_ttl_index(e) != ENTRY_NO_INDEX)
        return 0;
    return ttl_index_reserve(&s->ttl);
}

struct entry *do_set_expire(struct shard *s, struct table_pos pos, struct entry *e, int64_t when)
{
    assert(*pos.link == e);
    if (when == ENTRY_NO_TTL) {
        if (e->has_ttl_slot) {
            if (entry_ttl_index(e) != ENTRY_NO_INDEX)
                ttl_index_remove(&s->ttl, e);
            entry_set_expire_at(e, ENTRY_NO_TTL);
        }
        return e;
    }
    if (do_reserve_expire(s, e) != 0)
        return NULL;
    if (!e->has_ttl_slot) {
        struct entry *moved = entry_with_ttl_slot(e);
        if (!moved)
            return NULL;
        table_replace(pos, moved);
        e = moved;
    }
    if (entry_ttl_index(e) == ENTRY_NO_INDEX)
        ttl_index_add(&s->ttl, e);
    entry_set_expire_at(e, when);
    return e;
}

void do_take_contents(struct shard *s, struct shard_contents *out)
{
    out->table = s->table;
    out->ttl = s->ttl;
    table_init(&s->table);
    ttl_index_init(&s->ttl);
}

void do_swap_contents(struct shard *a, struct shard *b)
{
    struct table t = a->table;
    a->table = b->table;
    b->table = t;
    struct ttl_index ix = a->ttl;
    a->ttl = b->ttl;
    b->ttl = ix;
}

void shard_contents_free(struct shard_contents *c)
{
    ttl_index_free(&c->ttl);
    table_clear(&c->table);
}

uint32_t do_expire_sample(struct shard *s, int64_t now_ms, uint32_t max_checks, uint32_t *expired)
{
    uint32_t checked = 0, deleted = 0;
    struct ttl_index *ix = &s->ttl;
    if (max_checks > ix->count)
        max_checks = ix->count; /* never check a key twice in one sample */
    while (checked < max_checks && ix->count > 0) {
        if (ix->cursor >= ix->count)
            ix->cursor = 0;
        struct entry *e = ix->items[ix->cursor];
        checked++;
        if (!expire_passed(entry_expire_at(e), now_ms)) {
            ix->cursor++;
            continue;
        }
        /* Deleting swaps the last item into this position: check it next,
         * without advancing. */
        struct key k = {.ptr = entry_key(e), .len = e->key_len};
        k.hash = hash_key(k.ptr, k.len);
        struct table_pos pos;
        struct entry *found = table_find(&s->table, k.hash, k.ptr, k.len, &pos);
        assert(found == e);
        (void)found;
        do_delete(s, pos);
        deleted++;
    }
    if (deleted)
        do_stat_add(s, &s->expired, deleted);
    ttl_index_shrink(ix); /* no command is between reserve and link here */
    *expired = deleted;
    return checked;
}

uint64_t do_key_count(const struct shard *s)
{
    return table_count(&s->table);
}

uint64_t do_ttl_count(const struct shard *s)
{
    return s->ttl.count;
}
