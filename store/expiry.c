#include "store/expiry.h"

#include "core/clock.h"

void expiry_cycle_begin(struct keyspace *ks, struct expiry_cycle *cy, int64_t now_ms,
                        uint64_t budget_ns)
{
    cy->shards_left = ks->total_shards;
    cy->now_ms = now_ms;
    cy->deadline_ns = clock_mono_ns() + budget_ns;
    cy->expired = 0;
}

/* Whether a sample of `checked` keys with `expired` dead ones says the shard
 * is still stale enough to sample again. */
static bool still_stale(uint32_t checked, uint32_t expired)
{
    return checked > 0 && (uint64_t)expired * 100 > (uint64_t)checked * EXPIRY_STALE_PERCENT;
}

bool expiry_cycle_slice(struct keyspace *ks, struct expiry_cycle *cy)
{
    struct expiry_state *st = &ks->expiry;
    int samples = 0;
    while (cy->shards_left > 0 && samples < EXPIRY_SLICE_SAMPLES) {
        struct shard *s = keyspace_shard(ks, st->next_shard);
        uint32_t checked = 0, expired = 0;
        SHARD_GUARD (s) {
            checked = do_expire_sample(s, cy->now_ms, EXPIRY_SAMPLE, &expired);
        }
        samples++;
        cy->expired += expired;
        /* A stale shard is sampled again (in this slice or the next); a clean
         * one is done for this cycle. */
        if (!still_stale(checked, expired)) {
            st->next_shard = (st->next_shard + 1) % ks->total_shards;
            cy->shards_left--;
        }
        if (clock_mono_ns() > cy->deadline_ns)
            cy->shards_left = 0; /* out of time: the next cycle resumes here */
    }
    atomic_fetch_add_explicit(&st->slices, 1, memory_order_relaxed);
    if (cy->shards_left == 0)
        atomic_fetch_add_explicit(&st->cycles, 1, memory_order_relaxed);
    return cy->shards_left == 0;
}

uint64_t keyspace_expire_cycle(struct keyspace *ks, int64_t now_ms, uint64_t budget_ns)
{
    struct expiry_cycle cy;
    expiry_cycle_begin(ks, &cy, now_ms, budget_ns);
    while (!expiry_cycle_slice(ks, &cy)) {
    }
    return cy.expired;
}
