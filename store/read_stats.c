#include "store/read_stats.h"

#include "core/ebr.h"

#include <stdbool.h>

void read_stats_init(struct read_stats *rs)
{
    for (int i = 0; i <= READ_STATS_SLOTS; i++)
        for (int j = 0; j < READ_STAT_COUNT; j++)
            atomic_init(&rs->slot[i].n[j], 0);
}

static void add(ATOMIC(uint64_t) * c, uint64_t n, bool shared)
{
    if (shared)
        atomic_fetch_add_explicit(c, n, memory_order_relaxed);
    else
        /* Only this thread writes its slot while it lives (a thread that
         * takes the record over later is ordered after us by core/ebr's
         * claim), so a load and a store are enough. */
        atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                              memory_order_relaxed);
}

void read_stats_add(struct read_stats *rs, enum read_stat which, uint64_t n)
{
    unsigned i = ebr_thread_index();
    bool shared = i >= READ_STATS_SLOTS;
    add(&rs->slot[shared ? READ_STATS_SLOTS : i].n[which], n, shared);
}

void read_stats_add_pair(struct read_stats *rs, enum read_stat a, enum read_stat b)
{
    unsigned i = ebr_thread_index();
    bool shared = i >= READ_STATS_SLOTS;
    struct read_stats_slot *slot = &rs->slot[shared ? READ_STATS_SLOTS : i];
    add(&slot->n[a], 1, shared);
    add(&slot->n[b], 1, shared);
}

uint64_t read_stats_sum(struct read_stats *rs, enum read_stat which)
{
    uint64_t total = 0;
    for (int i = 0; i <= READ_STATS_SLOTS; i++)
        total += atomic_load_explicit(&rs->slot[i].n[which], memory_order_relaxed);
    return total;
}
