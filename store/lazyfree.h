/*
 * Lazy freeing (Redis's lazyfree): big aggregate values that leave the
 * keyspace (DEL, UNLINK, an overwrite, expiry, FLUSH) are freed by one
 * background thread, not by whichever thread retired them: that thread
 * usually holds a shard lock, and freeing a million fields under it would
 * stall every command on the shard. A value is big when its type's
 * free_effort (about one unit per allocation to free) passes
 * LAZYFREE_THRESHOLD, as in Redis; smaller ones are freed at once, which
 * costs less than the hand-off.
 *
 * The thread starts on first use and lives as long as the process. Values
 * handed to it must be unreachable: no table holds them and no lock-free
 * reader dereferences aggregates (store/value.h).
 */
#ifndef MAGPIE_STORE_LAZYFREE_H
#define MAGPIE_STORE_LAZYFREE_H

#include "store/value.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Redis's LAZYFREE_THRESHOLD: values with more allocations to free than
 * this go to the background thread. */
#define LAZYFREE_THRESHOLD 64

/* Frees v: in the background when it is big (true), at once otherwise
 * (false, and also when the hand-off cannot allocate). Never waits. */
bool lazyfree_value(const struct value *v);
/* Whether v is big enough to be freed in the background. */
bool lazyfree_worth_it(const struct value *v);

/* Values handed over and not yet freed (INFO lazyfree_pending_objects). */
uint64_t lazyfree_pending(void);
/* Values the background thread has freed since the start (INFO
 * lazyfreed_objects). */
uint64_t lazyfree_freed(void);
/* Waits until nothing is pending (tests). */
void lazyfree_wait_idle(void);

#ifdef __cplusplus
}
#endif
#endif
