/*
 * Lock-free lookups (store/shard.h): the reader side of the shard's
 * sequence counter. A reader loads seq, walks the table, loads the entry's
 * fields, and loads seq again: the same even value both times means no
 * locked section changed anything it could see in between, so the fields
 * form a snapshot some writer left behind (a seqlock). Anything else and it
 * tries once more, then tells the caller to take the lock. It writes
 * nothing shared except an entry's LRU clock once a second.
 */
#include "store/shard.h"

#define PEEK_ATTEMPTS 2

enum peek_result shard_peek(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                            struct entry_view *view)
{
    if (current_lock_plan)
        return PEEK_LOCK; /* the plan's own sections may be open: see shard.h */
    uint32_t clock = entry_lru_clock(now_ms);
    for (int attempt = 0; attempt < PEEK_ATTEMPTS; attempt++) {
        /* Acquire pairs with do_write_end's release: the state that section
         * left (entries, values, buffers it published) is visible. */
        uint64_t before = atomic_load_explicit(&s->seq, memory_order_acquire);
        if (before & 1)
            return PEEK_LOCK; /* a writer is in the middle of it */
        struct entry *e;
        if (entry_table_peek(&s->table, k->hash, k->ptr, k->len, &e) != 0)
            return PEEK_LOCK;
        bool touched = false;
        if (e) {
            view->meta = entry_meta(e);
            view->val = entry_payload(e);
            view->expire_at = entry_expire_at(e);
            if (!(flags & LOOKUP_NOTOUCH) && ENTRY_META_LRU(view->meta) != clock) {
                entry_touch(e, clock);
                touched = true;
            }
        }
        /* The loads above are ordered before the re-check (pairs with
         * do_write_begin's fence: seeing any change implies seeing seq move).
         * After a touch, seq_cst: see do_write_begin. */
        if (touched)
            atomic_thread_fence(memory_order_seq_cst);
        else
            atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&s->seq, memory_order_relaxed) != before)
            continue;
        if (e && expire_passed(view->expire_at, now_ms))
            return PEEK_LOCK; /* the locked lookup deletes it and counts it */
        view->e = e;
        view->seq = before;
        return e ? PEEK_HIT : PEEK_MISS;
    }
    return PEEK_LOCK;
}

bool shard_peek_valid(struct shard *s, uint64_t seq)
{
    /* As in shard_peek: the caller's loads come before this re-check. */
    atomic_thread_fence(memory_order_acquire);
    return atomic_load_explicit(&s->seq, memory_order_relaxed) == seq;
}

void shard_count_peek(struct shard *s, const struct key *k, enum peek_result r)
{
    if (r == PEEK_LOCK)
        read_stats_add(s->stats, READ_STAT_FALLBACK, 1);
    else
        read_stats_add_pair(s->stats, READ_STAT_LOCK_FREE,
                            r == PEEK_HIT ? READ_STAT_HIT : READ_STAT_MISS);
    if (r == PEEK_MISS)
        shard_key_missed(s, k);
}

void shard_count_peeks(struct shard *s, uint64_t hits, uint64_t misses)
{
    read_stats_add(s->stats, READ_STAT_LOCK_FREE, 1);
    if (hits)
        read_stats_add(s->stats, READ_STAT_HIT, hits);
    if (misses)
        read_stats_add(s->stats, READ_STAT_MISS, misses);
}
