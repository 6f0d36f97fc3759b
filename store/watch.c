/*
 * WATCH (store/watch.h): per shard, a table from each watched key to the
 * nodes of the clients watching it; per client, the list of its nodes. A
 * node is linked in its key's list only under that shard's lock, and
 * belongs to its client otherwise.
 */
#include "store/watching.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "store/command.h"
#include "store/keyspace_impl.h"

#include <errno.h>
#include <string.h>

struct watched_key {
    struct table_node node;
    struct watch_node *head; /* the clients watching it */
    uint32_t len;
    char key[];
};

struct watch_node {
    struct watch_node *next_of_client;
    struct watch_node *prev_in_key, *next_in_key; /* under the shard lock */
    struct watched_key *wk;                       /* immutable while linked */
    struct shard *shard;
    struct watch_list *owner;
    /* The key was stored but already expired when watched (Redis 7.0's
     * rule: its reclamation is no change). Under the shard lock. */
    bool expired;
};

static struct watched_key *watched_key_of(const struct table_node *n)
{
    return container_of(n, struct watched_key, node);
}

static uint64_t watched_key_hash(const struct table_node *n)
{
    const struct watched_key *wk = watched_key_of(n);
    return hash_key(wk->key, wk->len);
}

static bool watched_key_equals(const struct table_node *n, const void *key, size_t len)
{
    const struct watched_key *wk = watched_key_of(n);
    return wk->len == len && memcmp(wk->key, key, len) == 0;
}

static void watched_key_free(struct table_node *n)
{
    mem_free(watched_key_of(n));
}

const struct table_type watched_key_type = {
    .hash = watched_key_hash,
    .key_equals = watched_key_equals,
    .free_node = watched_key_free,
    .lock_free_reads = false,
};

void watch_list_init(struct watch_list *w)
{
    w->head = NULL;
    w->count = 0;
    atomic_init(&w->dirty, false);
}

bool watch_list_dirty(const struct watch_list *w)
{
    return atomic_load_explicit((ATOMIC(bool) *)&w->dirty, memory_order_relaxed);
}

static void mark_dirty(struct watch_node *n)
{
    atomic_store_explicit(&n->owner->dirty, true, memory_order_relaxed);
}

static bool entry_expired(const struct entry *e, int64_t now_ms)
{
    return e && expire_passed(entry_expire_at(e), now_ms);
}

/* Links a new node for w on key k, unless w already watches it. */
static int do_watch(struct shard *s, const struct key *k, struct watch_list *w,
                    struct watch_node **spare, int64_t now_ms) REQUIRES(&s->lock)
{
    struct watched_key *wk = NULL;
    struct table_node *found = table_find(&s->watched, k->hash, k->ptr, k->len, NULL);
    if (found) {
        wk = watched_key_of(found);
        for (struct watch_node *n = wk->head; n; n = n->next_in_key)
            if (n->owner == w)
                return 0;
    } else {
        if (k->len > UINT32_MAX || table_reserve(&s->watched) != 0)
            return -ENOMEM;
        wk = mem_alloc(sizeof(*wk) + k->len);
        if (!wk)
            return -ENOMEM;
        memset(wk, 0, sizeof(*wk));
        wk->len = (uint32_t)k->len;
        memcpy(wk->key, k->ptr, k->len);
        table_insert(&s->watched, k->hash, &wk->node); /* reserved: cannot fail */
    }
    struct watch_node *n = *spare;
    *spare = NULL;
    *n = (struct watch_node){
        .next_of_client = w->head,
        .next_in_key = wk->head,
        .wk = wk,
        .shard = s,
        .owner = w,
        .expired = entry_expired(do_find_stored(s, k), now_ms),
    };
    if (wk->head)
        wk->head->prev_in_key = n;
    wk->head = n;
    w->head = n;
    w->count++;
    return 0;
}

int keyspace_watch(struct keyspace *ks, struct watch_list *w, int db, const char *key, size_t len,
                   int64_t now_ms)
{
    struct key k;
    key_locate(ks, db, key, len, &k);
    struct watch_node *spare = mem_alloc(sizeof(*spare));
    if (!spare)
        return -ENOMEM;
    int rc = -ENOMEM; /* set by the guarded call, which always runs */
    SHARD_GUARD (k.shard)
        rc = do_watch(k.shard, &k, w, &spare, now_ms);
    mem_free(spare); /* NULL when linked */
    return rc;
}

static void do_unwatch(struct shard *s, struct watch_node *n) REQUIRES(&s->lock)
{
    struct watched_key *wk = n->wk;
    if (n->prev_in_key)
        n->prev_in_key->next_in_key = n->next_in_key;
    else
        wk->head = n->next_in_key;
    if (n->next_in_key)
        n->next_in_key->prev_in_key = n->prev_in_key;
    if (wk->head)
        return;
    struct table_pos pos;
    uint64_t hash = hash_key(wk->key, wk->len);
    if (table_find(&s->watched, hash, wk->key, wk->len, &pos))
        table_unlink(&s->watched, pos);
    mem_free(wk);
}

void keyspace_unwatch_all(struct watch_list *w)
{
    struct watch_node *n = w->head;
    while (n) {
        struct watch_node *next = n->next_of_client;
        SHARD_GUARD (n->shard)
            do_unwatch(n->shard, n);
        mem_free(n);
        n = next;
    }
    w->head = NULL;
    w->count = 0;
    /* No writer can reach the list any more: every node is unlinked. */
    atomic_store_explicit(&w->dirty, false, memory_order_relaxed);
}

int lock_plan_add_watched(struct lock_plan *plan, const struct watch_list *w)
{
    for (const struct watch_node *n = w->head; n; n = n->next_of_client) {
        int rc = lock_plan_add_key(plan, n->shard->db, n->wk->key, n->wk->len);
        if (rc != 0)
            return rc;
    }
    return 0;
}

bool watch_list_broken(struct watch_list *w, int64_t now_ms)
{
    for (struct watch_node *n = w->head; n && !watch_list_dirty(w); n = n->next_of_client) {
        struct shard *s = n->shard;
        SHARD_GUARD (s) {
            struct key k = {.ptr = n->wk->key, .len = n->wk->len};
            k.hash = hash_key(k.ptr, k.len);
            k.shard = s;
            k.shard_id = s->id;
            if (!n->expired && entry_expired(do_find_stored(s, &k), now_ms))
                mark_dirty(n);
        }
    }
    return watch_list_dirty(w);
}

static struct watched_key *do_find_watched(struct shard *s, const char *key, size_t len,
                                           uint64_t hash) REQUIRES(&s->lock)
{
    struct table_node *n = table_find(&s->watched, hash, key, len, NULL);
    return n ? watched_key_of(n) : NULL;
}

void do_watch_touch(struct shard *s, const struct key *k)
{
    struct watched_key *wk = do_find_watched(s, k->ptr, k->len, k->hash);
    if (!wk)
        return;
    bool stored = false, looked = false;
    for (struct watch_node *n = wk->head; n; n = n->next_in_key) {
        if (n->expired) {
            if (!looked) {
                stored = do_find_stored(s, k) != NULL;
                looked = true;
            }
            /* An expired key reclaimed: logically no change. */
            if (!stored) {
                n->expired = false;
                continue;
            }
        }
        mark_dirty(n);
    }
}

struct replaced_walk {
    struct shard *s;
    struct table *before;
    int64_t now_ms;
};

/* Redis's touchAllWatchedKeysInDb, for one watched key. */
static void replaced_one(void *arg, struct table_node *node) NO_THREAD_SAFETY
{
    struct replaced_walk *walk = arg;
    struct watched_key *wk = watched_key_of(node);
    uint64_t hash = hash_key(wk->key, wk->len);
    bool existed =
        walk->before && entry_table_find(walk->before, hash, wk->key, wk->len, NULL) != NULL;
    struct key k = {.ptr = wk->key, .len = wk->len, .hash = hash, .shard = walk->s};
    k.shard_id = walk->s->id;
    struct entry *now = do_find_stored(walk->s, &k);
    if (!existed && !now)
        return;
    bool now_expired = entry_expired(now, walk->now_ms);
    for (struct watch_node *n = wk->head; n; n = n->next_in_key) {
        if (n->expired) {
            if (!now) {
                n->expired = false; /* an expired key deleted: no change */
                continue;
            }
            if (now_expired)
                continue; /* expired before, expired still */
        } else if (!existed && now_expired) {
            n->expired = true; /* nothing replaced by an expired key */
            continue;
        }
        mark_dirty(n);
    }
}

void do_watch_replaced(struct shard *s, struct table *before)
{
    struct replaced_walk walk = {s, before, clock_unix_ms()};
    table_foreach(&s->watched, replaced_one, &walk);
}
