/*
 * The keys clients wait on, per shard (store/blocking.h): a table from key
 * to the FIFO of its waiters, touched only under the shard's lock. The
 * write hook marks a key with waiters ready; before the lock is released,
 * do_block_serve offers every ready key to its waiters, oldest first.
 */
#include "store/blocking.h"
#include "store/keyspace_impl.h"

#include "core/alloc.h"
#include "core/task.h"
#include "store/command.h"
#include "store/hash.h"

#include <errno.h>
#include <string.h>

struct blocked_key {
    struct table_node node;
    struct block_waiter *head, *tail; /* oldest first */
    struct blocked_key *next_ready;
    uint64_t ready_stamp; /* when it became ready, in this thread's order */
    bool ready;           /* in the shard's ready list, or being served */
    uint32_t len;
    char key[];
};

static struct blocked_key *blocked_key_of(const struct table_node *n)
{
    return container_of(n, struct blocked_key, node);
}

static uint64_t blocked_key_hash(const struct table_node *n)
{
    const struct blocked_key *bk = blocked_key_of(n);
    return hash_key(bk->key, bk->len);
}

static bool blocked_key_equals(const struct table_node *n, const void *key, size_t len)
{
    const struct blocked_key *bk = blocked_key_of(n);
    return bk->len == len && memcmp(bk->key, key, len) == 0;
}

static void blocked_key_free(struct table_node *n)
{
    mem_free(blocked_key_of(n));
}

const struct table_type blocked_key_type = {
    .hash = blocked_key_hash,
    .key_equals = blocked_key_equals,
    .free_node = blocked_key_free,
    .lock_free_reads = false,
};

void blocked_keys_clear(struct shard *s)
{
    table_clear(&s->blocked);
    s->ready = s->ready_tail = NULL;
}

static struct blocked_key *do_find_blocked(struct shard *s, const char *key, size_t len,
                                           uint64_t hash, struct table_pos *pos) REQUIRES(&s->lock)
{
    struct table_node *n = table_find(&s->blocked, hash, key, len, pos);
    return n ? blocked_key_of(n) : NULL;
}

int do_block_link(struct shard *s, const struct key *k, struct block_waiter *w)
{
    struct blocked_key *bk = do_find_blocked(s, k->ptr, k->len, k->hash, NULL);
    if (!bk) {
        if (k->len > UINT32_MAX || table_reserve(&s->blocked) != 0)
            return -ENOMEM;
        bk = mem_alloc(sizeof(*bk) + k->len);
        if (!bk)
            return -ENOMEM;
        memset(bk, 0, sizeof(*bk));
        bk->len = (uint32_t)k->len;
        memcpy(bk->key, k->ptr, k->len);
        table_insert(&s->blocked, k->hash, &bk->node); /* reserved: cannot fail */
    }
    w->key = bk;
    w->next = NULL;
    w->prev = bk->tail;
    if (bk->tail)
        bk->tail->next = w;
    else
        bk->head = w;
    bk->tail = w;
    return 0;
}

/* Drops a key nobody waits on any more (unless it is being served: the
 * server drops it when done). */
static void do_drop_if_unwaited(struct shard *s, struct blocked_key *bk) REQUIRES(&s->lock)
{
    if (bk->head || bk->ready)
        return;
    struct table_pos pos;
    struct blocked_key *found =
        do_find_blocked(s, bk->key, bk->len, hash_key(bk->key, bk->len), &pos);
    if (found == bk)
        table_unlink(&s->blocked, pos);
    mem_free(bk);
}

void do_block_unlink(struct shard *s, struct block_waiter *w)
{
    struct blocked_key *bk = w->key;
    if (w->prev)
        w->prev->next = w->next;
    else
        bk->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        bk->tail = w->prev;
    w->prev = w->next = NULL;
    w->key = NULL;
    do_drop_if_unwaited(s, bk);
}

/* Orders the keys one locked section makes ready, across its shards: they
 * are served in that order, as Redis serves its ready keys. */
static _Thread_local uint64_t ready_clock;

static void mark_ready(struct shard *s, struct blocked_key *bk) REQUIRES(&s->lock)
{
    if (bk->ready)
        return;
    bk->ready = true;
    bk->ready_stamp = ++ready_clock;
    bk->next_ready = NULL;
    if (s->ready)
        s->ready_tail->next_ready = bk;
    else
        s->ready = bk;
    s->ready_tail = bk;
}

static void mark_ready_node(void *ctx, struct table_node *n)
{
    struct shard *s = ctx;
    shard_assume_held(s);
    mark_ready(s, blocked_key_of(n));
}

void do_block_signal(struct shard *s, const char *key, size_t len)
{
    if (table_count(&s->blocked) == 0)
        return;
    if (!key) {
        table_foreach(&s->blocked, mark_ready_node, s);
        return;
    }
    struct blocked_key *bk = do_find_blocked(s, key, len, hash_key(key, len), NULL);
    if (bk)
        mark_ready(s, bk);
}

/* Offers the key to its waiters, oldest first, until it has nothing left. */
static void do_serve_key(struct shard *s, struct blocked_key *bk) REQUIRES(&s->lock)
{
    struct key k = {.ptr = bk->key,
                    .len = bk->len,
                    .hash = hash_key(bk->key, bk->len),
                    .shard = s,
                    .shard_id = s->id};
    for (struct block_waiter *w = bk->head, *next; w; w = next) {
        next = w->next;
        struct block *b = w->block;
        if (atomic_load_explicit(&b->state, memory_order_relaxed) != BLOCK_WAITING) {
            do_block_unlink(s, w); /* decided elsewhere: its owner would unlink it */
            continue;
        }
        /* What the serving changes is the blocked client's command. */
        struct write_log *outer = current_write_log;
        current_write_log = &b->ctx->log;
        enum block_serve served = b->kind->serve(b, s, &k, w->k_index);
        current_write_log = outer;
        if (served == BLOCK_SERVE_EMPTY)
            break;
        if (served == BLOCK_SERVE_SKIP)
            continue;
        do_block_unlink(s, w);
        /* Release: the reply and the write log, written above, are visible
         * to the task once it sees SERVED (block_state's acquire). */
        atomic_store_explicit(&b->state, BLOCK_SERVED, memory_order_release);
        task_wake(b->task);
    }
}

/* Serves the first ready key of s. */
static void do_serve_first(struct shard *s) REQUIRES(&s->lock)
{
    struct blocked_key *bk = s->ready;
    s->ready = bk->next_ready;
    /* bk->ready stays set while it is served, so the serving's own writes
     * to the key do not queue it again. */
    do_serve_key(s, bk);
    bk->ready = false;
    do_drop_if_unwaited(s, bk);
}

void do_block_serve(struct shard *s)
{
    while (s->ready)
        do_serve_first(s);
}

void do_block_serve_all(struct keyspace *ks, const uint32_t *ids, uint32_t n)
{
    for (;;) {
        struct shard *first = NULL;
        for (uint32_t i = 0; i < n; i++) {
            struct shard *s = keyspace_shard(ks, ids[i]);
            shard_assume_held(s);
            if (s->ready && (!first || s->ready->ready_stamp < first->ready->ready_stamp))
                first = s;
        }
        if (!first)
            return;
        shard_assume_held(first);
        do_serve_first(first);
    }
}
