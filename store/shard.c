#include "store/shard.h"

#include "core/ebr.h"
#include "store/blocking.h"
#include "store/events.h"
#include "store/hash.h"
#include "store/keyspace_impl.h"
#include "store/watching.h"

#include <assert.h>
#include <errno.h>

void shard_init(struct shard *s, struct keyspace *ks, uint32_t id, int db,
                struct read_stats *stats) NO_THREAD_SAFETY
{
    lock_init(&s->lock, LOCK_CLASS_SHARD, id);
    atomic_init(&s->seq, 0);
    table_init(&s->table, &entry_table_type);
    ttl_index_init(&s->ttl);
    s->stats = stats;
    atomic_init(&s->expired, 0);
    atomic_init(&s->dirty, 0);
    s->ks = ks;
    s->id = id;
    s->db = db;
    s->write_seq = 0;
    s->unannounced = false;
    table_init(&s->blocked, &blocked_key_type);
    s->ready = s->ready_tail = NULL;
    table_init(&s->watched, &watched_key_type);
    s->random_bound = 0;
    s->snap_saved = 0;
    s->snap_mark = 0;
    s->snap_active = false;
    s->snap_pending = NULL;
}

void shard_destroy(struct shard *s) NO_THREAD_SAFETY
{
    ttl_index_free(&s->ttl);
    table_clear(&s->table);
    blocked_keys_clear(s);
    table_clear(&s->watched);
    lock_destroy(&s->lock);
}

void do_write_begin(struct shard *s)
{
    /* Only lock holders store seq, so this load is exact. */
    uint64_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
    if (seq & 1)
        return;
    atomic_store_explicit(&s->seq, seq + 1, memory_order_relaxed);
    /* Orders the odd value before every change that follows: a reader that
     * sees any of them sees seq changed when it re-checks (its acquire fence
     * pairs with this one). */
    atomic_thread_fence(memory_order_release);
}

void do_write_begin_sync(struct shard *s)
{
    do_write_begin(s);
    /*
     * The one field lock-free readers write is the LRU clock (entry_touch).
     * A writer about to copy it elsewhere fences here, after making seq odd:
     * then either it sees a reader's touch, or that reader (which fences
     * seq_cst after touching, shard_peek) sees seq move and retries under
     * the lock. A touch is never lost.
     */
    atomic_thread_fence(memory_order_seq_cst);
}

void do_write_end(struct shard *s)
{
    uint64_t seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
    if (!(seq & 1))
        return;
    /* Release: a reader that loads the new even value (acquire) sees every
     * change of the section, and the contents of every buffer and entry it
     * published. */
    atomic_store_explicit(&s->seq, seq + 1, memory_order_release);
}

void do_stat_add(struct shard *s, ATOMIC(uint64_t) * counter, uint64_t n)
{
    (void)s;
    uint64_t v = atomic_load_explicit(counter, memory_order_relaxed);
    atomic_store_explicit(counter, v + n, memory_order_relaxed);
}

/* Unlinks the entry and drops it from the TTL index (a running snapshot
 * saves it first). */
static struct entry *do_unlink(struct shard *s, struct table_pos pos) REQUIRES(&s->lock)
{
    do_entry_will_change(s, entry_of(atomic_load_explicit(pos.link, memory_order_relaxed)));
    do_write_begin(s);
    do_changed(s);
    struct entry *e = entry_of(table_unlink(&s->table, pos));
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
    entry_retire(do_unlink(s, pos));
}

/* entry_table_find, which may move a bucket of an ongoing rehash first. */
static struct entry *do_find(struct shard *s, const struct key *k, struct table_pos *pos)
    REQUIRES(&s->lock)
{
    if (table_is_rehashing(&s->table))
        do_write_begin(s);
    return entry_table_find(&s->table, k->hash, k->ptr, k->len, pos);
}

struct entry *do_find_stored(struct shard *s, const struct key *k)
{
    return do_find(s, k, NULL);
}

/* Deletes an expired key (lazily or actively), announcing it as Redis
 * does; the announcement comes before the entry can be freed, since the key
 * bytes may be the entry's own. */
static void do_expire_entry(struct shard *s, const struct key *k, struct table_pos pos)
    REQUIRES(&s->lock)
{
    struct entry *e = do_unlink(s, pos);
    do_key_event(s, k, NOTIFY_EXPIRED, "expired");
    entry_retire(e);
}

struct entry *do_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                        struct table_pos *pos)
{
    struct table_pos found;
    struct entry *e = do_find(s, k, &found);
    if (e && expire_passed(entry_expire_at(e), now_ms)) {
        /* CLIENT PAUSE keeps it, unless a writer (one that started before
         * the pause) is about to replace it. */
        if ((flags & LOOKUP_WRITE) || !keyspace_expiry_paused(s->ks)) {
            do_expire_entry(s, k, found);
            do_stat_add(s, &s->expired, 1);
        }
        e = NULL;
    }
    if (!(flags & (LOOKUP_WRITE | LOOKUP_NOSTATS)))
        read_stats_add(s->stats, e ? READ_STAT_HIT : READ_STAT_MISS, 1);
    if (!e) {
        if (!(flags & (LOOKUP_WRITE | LOOKUP_NONOTIFY)))
            shard_key_missed(s, k);
        return NULL;
    }
    if (flags & LOOKUP_WRITE)
        do_entry_will_change(s, e);
    if (!(flags & LOOKUP_NOTOUCH))
        entry_touch(e, entry_lru_clock(now_ms));
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
    entry_set_value(e, v, entry_lru_clock(now_ms));
    entry_set_snap_mark(e, s->snap_mark); /* born after any cut: never saved */
    if (ttl)
        entry_set_expire_at(e, when); /* before linking: readers see it at once */
    do_write_begin(s);
    if (table_insert(&s->table, k->hash, &e->node) != 0) {
        entry_free_shell(e);
        return NULL;
    }
    if (ttl)
        ttl_index_add(&s->ttl, e);
    do_changed(s);
    do_key_event(s, k, NOTIFY_NEW, "new");
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
    /* New here (or moved from elsewhere, where it was saved if need be). */
    entry_set_snap_mark(e, s->snap_mark);
    do_write_begin(s);
    int rc = table_insert(&s->table, k->hash, &e->node);
    assert(rc == 0); /* do_reserve_link ran under this lock hold */
    (void)rc;
    if (entry_expire_at(e) != ENTRY_NO_TTL) {
        assert(s->ttl.count < s->ttl.cap);
        ttl_index_add(&s->ttl, e);
    }
    do_changed(s);
    do_key_event(s, k, NOTIFY_NEW, "new");
}

struct entry *do_detach_key(struct shard *s, const struct key *k)
{
    struct table_pos pos;
    struct entry *e = do_find(s, k, &pos);
    assert(e);
    (void)e;
    return do_unlink(s, pos);
}

void do_replace_value(struct shard *s, struct entry *e, const struct value *v, int64_t now_ms)
{
    do_entry_will_change(s, e);
    do_write_begin(s);
    do_changed(s);
    struct value old;
    entry_value(e, &old);
    entry_set_value(e, v, entry_lru_clock(now_ms));
    /* Lock-free readers may still be copying the old value. */
    value_retire(old.type, old.encoding, old.p);
}

bool do_put(struct shard *s, const struct key *k, const struct value *v, int64_t now_ms)
{
    struct table_pos pos;
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_WRITE, &pos);
    if (!e) {
        if (!do_insert(s, k, v, ENTRY_NO_TTL, now_ms))
            return false;
    } else {
        do_set_expire(s, pos, e, ENTRY_NO_TTL); /* removing a TTL cannot fail */
        do_replace_value(s, e, v, now_ms);
    }
    do_key_event(s, k, NOTIFY_STRING, "set");
    return true;
}

int do_reserve_expire(struct shard *s, struct entry *e)
{
    if (e->has_ttl_slot && entry_ttl_index(e) != ENTRY_NO_INDEX)
        return 0;
    return ttl_index_reserve(&s->ttl);
}

struct entry *do_set_expire(struct shard *s, struct table_pos pos, struct entry *e, int64_t when)
{
    assert(atomic_load_explicit(pos.link, memory_order_relaxed) == &e->node);
    if (when == ENTRY_NO_TTL) {
        if (!e->has_ttl_slot)
            return e;
        bool indexed = entry_ttl_index(e) != ENTRY_NO_INDEX;
        if (indexed || entry_expire_at(e) != ENTRY_NO_TTL) {
            do_entry_will_change(s, e);
            do_write_begin(s);
            do_changed(s);
            if (indexed)
                ttl_index_remove(&s->ttl, e);
            entry_set_expire_at(e, ENTRY_NO_TTL);
        }
        return e;
    }
    if (do_reserve_expire(s, e) != 0)
        return NULL;
    do_entry_will_change(s, e); /* before the copy below takes its mark */
    if (!e->has_ttl_slot) {
        do_write_begin_sync(s); /* the copy takes e's LRU clock */
        struct entry *moved = entry_with_ttl_slot(e);
        if (!moved)
            return NULL;
        table_replace(pos, &moved->node);
        entry_retire_shell(e);
        e = moved;
    }
    do_write_begin(s);
    do_changed(s);
    if (entry_ttl_index(e) == ENTRY_NO_INDEX)
        ttl_index_add(&s->ttl, e);
    entry_set_expire_at(e, when);
    return e;
}

void do_take_contents(struct shard *s, struct shard_contents *out)
{
    do_snapshot_save_all(s);
    do_write_begin(s);
    do_changed(s);
    table_init(&out->table, s->table.type);
    table_move(&out->table, &s->table);
    out->ttl = s->ttl;
    ttl_index_init(&s->ttl);
}

void do_swap_contents(struct shard *a, struct shard *b)
{
    /* Both were cut (their locks are held): with everything saved, each
     * carries the other's entries without confusing its walk. */
    do_snapshot_save_all(a);
    do_snapshot_save_all(b);
    do_write_begin(a);
    do_write_begin(b);
    do_changed(a);
    do_changed(b);
    table_swap(&a->table, &b->table);
    struct ttl_index ix = a->ttl;
    a->ttl = b->ttl;
    b->ttl = ix;
}

void shard_contents_free(struct shard_contents *c)
{
    ebr_synchronize();
    ttl_index_free(&c->ttl);
    table_clear(&c->table);
}

uint32_t do_expire_sample(struct shard *s, int64_t now_ms, uint32_t max_checks, uint32_t *expired)
{
    uint32_t checked = 0, deleted = 0;
    struct ttl_index *ix = &s->ttl;
    if (keyspace_expiry_paused(s->ks) ||
        atomic_load_explicit(&s->ks->active_expiry_off, memory_order_relaxed))
        max_checks = 0; /* CLIENT PAUSE, DEBUG SET-ACTIVE-EXPIRE 0 */
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
        struct entry *found = do_find(s, &k, &pos);
        assert(found == e);
        (void)found;
        k.shard = s;
        k.shard_id = s->id;
        do_expire_entry(s, &k, pos);
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
