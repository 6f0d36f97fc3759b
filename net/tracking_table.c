/*
 * Client tracking's key table: key name -> the ports of the clients that
 * read it, in stripes chosen by the key's hash so writers of different keys
 * do not contend. A stripe's lock is held only to find, add to or unlink an
 * entry; invalidations are delivered after it is released.
 */
#include "net/tracking_internal.h"

#include "core/alloc.h"
#include "store/hash.h"

#include <errno.h>
#include <string.h>

struct tracked_key {
    struct table_node node;
    struct tracking_port **ports; /* references */
    uint32_t nports, cap;
    uint32_t len;
    char key[];
};

static struct tracked_key *key_of(const struct table_node *n)
{
    return container_of(n, struct tracked_key, node);
}

static uint64_t key_hash(const struct table_node *n)
{
    return hash_key(key_of(n)->key, key_of(n)->len);
}

static bool key_equals(const struct table_node *n, const void *key, size_t len)
{
    return key_of(n)->len == len && memcmp(key_of(n)->key, key, len) == 0;
}

static void entry_free(struct tracked_key *k)
{
    for (uint32_t i = 0; i < k->nports; i++)
        tracking_port_unref(k->ports[i]);
    mem_free(k->ports);
    mem_free(k);
}

static void key_free(struct table_node *n)
{
    entry_free(key_of(n));
}

static const struct table_type tracked_key_type = {
    .hash = key_hash, .key_equals = key_equals, .free_node = key_free};

void tracking_table_init(struct tracking *t)
{
    for (uint32_t i = 0; i < TRACKING_STRIPES; i++) {
        lock_init(&t->stripes[i].lock, LOCK_CLASS_TRACKING, i);
        table_init(&t->stripes[i].keys, &tracked_key_type);
    }
}

void tracking_table_destroy(struct tracking *t)
{
    for (uint32_t i = 0; i < TRACKING_STRIPES; i++) {
        table_clear(&t->stripes[i].keys);
        lock_destroy(&t->stripes[i].lock);
    }
}

/* Adds p to the key's entry, creating it (the stripe's lock held). */
static int do_remember(struct tracking *t, struct key_stripe *st, uint64_t hash,
                       struct tracking_port *p, const char *key, size_t len)
{
    struct table_node *n = table_find(&st->keys, hash, key, len, NULL);
    struct tracked_key *k = n ? key_of(n) : NULL;
    if (k)
        for (uint32_t i = 0; i < k->nports; i++)
            if (k->ports[i] == p)
                return 0;
    if (!k) {
        k = mem_calloc(1, sizeof(*k) + len);
        if (!k)
            return -ENOMEM;
        k->len = (uint32_t)len;
        memcpy(k->key, key, len);
    }
    if (k->nports == k->cap) {
        uint32_t cap = k->cap ? k->cap * 2 : 2;
        struct tracking_port **grown = mem_realloc(k->ports, cap * sizeof(*grown));
        if (!grown) {
            if (!n)
                mem_free(k);
            return -ENOMEM;
        }
        k->ports = grown;
        k->cap = cap;
    }
    if (!n) {
        if (table_insert(&st->keys, hash, &k->node) != 0) {
            mem_free(k->ports);
            mem_free(k);
            return -ENOMEM;
        }
        atomic_fetch_add_explicit(&t->keys, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&t->live, 1, memory_order_relaxed);
    }
    k->ports[k->nports++] = tracking_port_ref(p);
    atomic_fetch_add_explicit(&t->items, 1, memory_order_relaxed);
    return 0;
}

int tracking_table_remember(struct tracking *t, struct tracking_port *p, const char *key,
                            size_t len)
{
    uint64_t hash = hash_key(key, len);
    struct key_stripe *st = &t->stripes[hash % TRACKING_STRIPES];
    int rc = 0;
    LOCK_GUARD (&st->lock)
        rc = do_remember(t, st, hash, p, key, len);
    return rc;
}

/* Unlinks an entry (the stripe's lock held); the caller delivers and frees. */
static void do_forget(struct tracking *t, struct key_stripe *st, struct table_pos pos,
                      struct tracked_key *k)
{
    table_unlink(&st->keys, pos);
    atomic_fetch_sub_explicit(&t->keys, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&t->live, 1, memory_order_relaxed);
    atomic_fetch_sub_explicit(&t->items, (long)k->nports, memory_order_relaxed);
}

/* Sends the key's invalidation to every port that read it, then frees
 * the entry. No lock held. */
static void send_and_free(struct tracked_key *k, uint64_t writer)
{
    const char *keys[1] = {k->key};
    size_t lens[1] = {k->len};
    struct tracking_message m = {keys, lens, 1, writer, {NULL, NULL}};
    for (uint32_t i = 0; i < k->nports; i++)
        tracking_deliver(k->ports[i], &m);
    tracking_message_free(&m);
    entry_free(k);
}

void tracking_table_invalidate(struct tracking *t, const char *key, size_t len, uint64_t writer)
{
    if (atomic_load_explicit(&t->keys, memory_order_relaxed) == 0)
        return;
    uint64_t hash = hash_key(key, len);
    struct key_stripe *st = &t->stripes[hash % TRACKING_STRIPES];
    struct tracked_key *k = NULL;
    LOCK_GUARD (&st->lock) {
        struct table_pos pos;
        struct table_node *n = table_find(&st->keys, hash, key, len, &pos);
        if (n) {
            k = key_of(n);
            do_forget(t, st, pos, k);
        }
    }
    if (k)
        send_and_free(k, writer);
}

static void count_items(void *ctx, struct table_node *n)
{
    *(long *)ctx += (long)key_of(n)->nports;
}

void tracking_table_clear(struct tracking *t)
{
    for (uint32_t i = 0; i < TRACKING_STRIPES; i++) {
        struct key_stripe *st = &t->stripes[i];
        struct table old;
        table_init(&old, &tracked_key_type);
        long keys = 0, items = 0;
        LOCK_GUARD (&st->lock) {
            keys = (long)table_count(&st->keys);
            table_foreach(&st->keys, count_items, &items);
            table_move(&old, &st->keys);
            atomic_fetch_sub_explicit(&t->keys, keys, memory_order_relaxed);
            atomic_fetch_sub_explicit(&t->live, keys, memory_order_relaxed);
            atomic_fetch_sub_explicit(&t->items, items, memory_order_relaxed);
        }
        table_clear(&old); /* the ports' references, off the lock */
    }
}

/*
 * tracking-table-max-keys: while the table holds more keys than that,
 * random keys are forgotten, each invalidated as if written, as Redis does
 * (it runs this from its event loop; here the reader that grew the table
 * does it). The effort is bounded per call, so one read never stalls for
 * long; the next read continues. 0: no limit.
 */
#define EVICT_EFFORT 100

void tracking_table_limit(struct tracking *t, long long max_keys)
{
    if (max_keys <= 0)
        return;
    static _Thread_local uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (int effort = 0; effort < EVICT_EFFORT; effort++) {
        if (atomic_load_explicit(&t->keys, memory_order_relaxed) <= max_keys)
            return;
        uint32_t i =
            atomic_fetch_add_explicit(&t->evict_cursor, 1, memory_order_relaxed) % TRACKING_STRIPES;
        struct key_stripe *st = &t->stripes[i];
        struct tracked_key *k = NULL;
        LOCK_GUARD (&st->lock) {
            struct table_node *n = table_random(&st->keys, &rng);
            struct table_pos pos;
            if (n && table_find(&st->keys, key_hash(n), key_of(n)->key, key_of(n)->len, &pos)) {
                k = key_of(n);
                do_forget(t, st, pos, k);
            }
        }
        if (k)
            send_and_free(k, 0);
    }
}
