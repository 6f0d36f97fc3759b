/*
 * Claims: a command's ticket, taken at its first change (net/aof.h).
 *
 * A command's record reaches the log only after the command, when its shard
 * locks are gone: another client may already have read what it changed. A
 * reply that shows the change must not go out before the record is written
 * (and, under always, fsynced), or a crash could take back what a client
 * was shown. So the command claims its ticket at its first change, under
 * that change's shard lock, through the write hook (store/events.h); a
 * reader that saw the change then sees the ticket too, and waits for it.
 * Until the record comes, no ticket at or above the claim counts as
 * written.
 */
#include "net/aof_internal.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"

#include <string.h>

/* A claim older than this belongs to a record that will never come (a bug):
 * it is dropped, so that it does not hold every reply back for ever. */
#define CLAIM_LIMIT_MS 10000

bool aof__claim(struct aof *a, uint64_t *claim)
{
    bool ok = true;
    pthread_mutex_lock(&a->mu);
    if (atomic_load_explicit(&a->state, memory_order_relaxed) == AOF_OFF)
        goto out;
    if (a->nclaims == a->claims_cap) {
        uint32_t cap = a->claims_cap ? 2 * a->claims_cap : 64;
        struct aof_claim *grown = mem_realloc(a->claims, cap * sizeof(*grown));
        if (!grown) {
            ok = false;
            goto out;
        }
        a->claims = grown;
        a->claims_cap = cap;
    }
    /* The change is still under its shard lock: a reader that sees it
     * sees this ticket too. Tickets only grow: appending keeps the array
     * sorted. */
    uint64_t t = aof__new_ticket(a);
    a->claims[a->nclaims++] = (struct aof_claim){t, clock_mono_ms()};
    *claim = t;
out:
    pthread_mutex_unlock(&a->mu);
    return ok;
}

bool aof__unclaim_locked(struct aof *a, uint64_t ticket)
{
    uint32_t lo = 0, hi = a->nclaims;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (a->claims[mid].ticket < ticket)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == a->nclaims || a->claims[lo].ticket != ticket)
        return false;
    memmove(&a->claims[lo], &a->claims[lo + 1], (a->nclaims - lo - 1) * sizeof(*a->claims));
    a->nclaims--;
    return true;
}

void aof__drop_claim(struct aof *a, uint64_t ticket)
{
    if (!a || ticket == 0)
        return;
    pthread_mutex_lock(&a->mu);
    if (aof__unclaim_locked(a, ticket)) {
        /* No record carries it: the writer moves the mark past it. */
        a->claim_dropped = true;
        aof__wake_writer(a);
    }
    pthread_mutex_unlock(&a->mu);
}

void aof__expire_claims(struct aof *a, uint64_t now_ms)
{
    uint32_t n = 0;
    while (n < a->nclaims && now_ms - a->claims[n].since_ms >= CLAIM_LIMIT_MS)
        n++;
    if (n == 0)
        return;
    log_warning("AOF: %u command(s) held a place in the log for %d ms without their record; "
                "replies no longer wait for them",
                n, CLAIM_LIMIT_MS);
    memmove(a->claims, a->claims + n, (a->nclaims - n) * sizeof(*a->claims));
    a->nclaims -= n;
}
