#include "store/multilock.h"

#include "core/alloc.h"
#include "store/blocking.h"
#include "store/keyspace_impl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void shard_set_init(struct shard_set *set, struct keyspace *ks)
{
    set->ks = ks;
    set->count = 0;
    set->cap = SHARD_SET_INLINE;
    set->ids = set->inline_ids;
}

void shard_set_free(struct shard_set *set)
{
    if (set->ids != set->inline_ids)
        mem_free(set->ids);
    set->ids = set->inline_ids;
    set->count = 0;
    set->cap = SHARD_SET_INLINE;
}

static int grow(struct shard_set *set, uint32_t need)
{
    if (need <= set->cap)
        return 0;
    uint32_t cap = set->cap * 2;
    while (cap < need)
        cap *= 2;
    uint32_t *ids = mem_alloc((size_t)cap * sizeof(*ids));
    if (!ids)
        return -ENOMEM;
    memcpy(ids, set->ids, set->count * sizeof(*ids));
    if (set->ids != set->inline_ids)
        mem_free(set->ids);
    set->ids = ids;
    set->cap = cap;
    return 0;
}

int shard_set_add(struct shard_set *set, uint32_t id)
{
    /* Adjacent duplicates are common (keys of one shard in a row): skip them
     * early so the set stays small. */
    if (set->count && set->ids[set->count - 1] == id)
        return 0;
    if (set->count == set->cap && grow(set, set->count + 1) != 0)
        return -ENOMEM;
    set->ids[set->count++] = id;
    return 0;
}

int shard_set_add_db(struct shard_set *set, int db)
{
    uint32_t n = (uint32_t)set->ks->shards_per_db;
    if (grow(set, set->count + n) != 0)
        return -ENOMEM;
    uint32_t first = keyspace_db_first_shard(set->ks, db);
    for (uint32_t i = 0; i < n; i++)
        set->ids[set->count++] = first + i;
    return 0;
}

static int compare_ids(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void sort_unique(struct shard_set *set)
{
    if (set->count < 2)
        return;
    bool sorted = true;
    for (uint32_t i = 1; i < set->count && sorted; i++)
        sorted = set->ids[i - 1] < set->ids[i];
    if (!sorted)
        qsort(set->ids, set->count, sizeof(*set->ids), compare_ids);
    uint32_t out = 1;
    for (uint32_t i = 1; i < set->count; i++)
        if (set->ids[i] != set->ids[out - 1])
            set->ids[out++] = set->ids[i];
    set->count = out;
}

_Thread_local const struct shard_set *current_lock_plan;

bool shard_planned(const struct shard *s)
{
    const struct shard_set *plan = current_lock_plan;
    if (!plan)
        return false;
    /* The plan's ids are sorted and unique since it locked them. */
    uint32_t lo = 0, hi = plan->count;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (plan->ids[mid] < s->id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < plan->count && plan->ids[lo] == s->id;
}

void shard_unplanned(const struct shard *s)
{
#if MAGPIE_LOCK_CHECKS
    fprintf(stderr,
            "magpie: shard %u is not in the lock plan this thread holds: the plan (store/"
            "lock_plan.c) missed a key of the command\n",
            s->id);
    abort();
#else
    (void)s;
#endif
}

static bool owned_here(struct shard_set *set, uint32_t i)
{
    struct shard *s = keyspace_shard(set->ks, set->ids[i]);
    if (!current_lock_plan)
        return true;
    if (shard_planned(s))
        return false;
    shard_unplanned(s);
    return true;
}

/*
 * Runs to completion without suspending (it is not a task and calls nothing
 * that could suspend), so holding the locks it takes until shard_set_unlock
 * is as safe as a LOCK_GUARD scope.
 */
void shard_set_lock(struct shard_set *set)
{
    sort_unique(set);
    for (uint32_t i = 0; i < set->count; i++)
        if (owned_here(set, i))
            lock_acquire(&keyspace_shard(set->ks, set->ids[i])->lock);
    /* Only once every lock is held: a snapshot then cuts all of them or
     * none before this thread changes any (a transaction is never split).
     * A snapshot that starts halfway through these checks has cut only the
     * later shards: check again until no new one started meanwhile. */
    uint64_t epoch;
    do {
        epoch = atomic_load_explicit(&set->ks->snap_epoch, memory_order_acquire);
        for (uint32_t i = 0; i < set->count; i++) {
            struct shard *s = keyspace_shard(set->ks, set->ids[i]);
            if (!current_lock_plan || !shard_planned(s))
                shard_snapshot_check(s);
        }
    } while (atomic_load_explicit(&set->ks->snap_epoch, memory_order_acquire) != epoch);
}

/* Ends every shard's write section (store/shard.h) before any lock is
 * released, so lock-free readers see all of the command's changes or none. */
void shard_set_unlock(struct shard_set *set)
{
    do_mark_reads(set->ks, set->ids, set->count);
    bool planned = current_lock_plan != NULL;
    if (!planned)
        do_block_serve_all(set->ks, set->ids, set->count);
    for (uint32_t i = 0; i < set->count; i++) {
        struct shard *s = keyspace_shard(set->ks, set->ids[i]);
        if (!planned || !shard_planned(s))
            do_section_end(s);
    }
    for (uint32_t i = set->count; i-- > 0;) {
        struct shard *s = keyspace_shard(set->ks, set->ids[i]);
        if (!planned || !shard_planned(s))
            lock_release(&s->lock);
    }
}
