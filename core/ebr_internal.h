/*
 * What core/ebr.c shares with core/ebr_orphans.c, the global list of batches
 * that threads hand over instead of waiting for readers. Nothing outside
 * core/ebr*.c includes this.
 */
#ifndef MAGPIE_CORE_EBR_INTERNAL_H
#define MAGPIE_CORE_EBR_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct limbo_item {
    void *ptr;
    void (*free_fn)(void *);
    uint64_t epoch; /* the tag: free once the global epoch is epoch + 2 */
    size_t bytes;   /* what freeing it returns, as the retirer said */
};

/* ---- ebr.c ---- */

/* Moves the global epoch on if no reader lags; false otherwise. */
bool ebr__try_advance(void);
/* Whether no thread is inside a read section. Call after a seq_cst fence. */
bool ebr__nobody_inside(void);
/* The global epoch, with acquire: frees of items tagged two below it may
 * follow. */
uint64_t ebr__epoch(void);

/* ---- ebr_orphans.c ---- */

/*
 * Copies `count` tagged items (tags never decreasing), the ring
 * items[head .. head + count) modulo `capacity`, into one new batch on the
 * global list. Never waits. False when the batch cannot be allocated
 * (nothing changed).
 */
bool orphans__hand_over(const struct limbo_item *items, uint32_t capacity, uint32_t head,
                        uint32_t count);
/*
 * Frees every batch whose grace period is over (all of them when no reader
 * is inside). `wait`: take the collector's lock even if another thread holds
 * it, so that every batch handed over before the call has been looked at
 * when this returns; otherwise give up at once if another thread collects.
 */
void orphans__collect(bool wait);
/* Whether the global list looks non-empty (a hint). */
bool orphans__any(void);
/* Items on the global list. */
size_t orphans__count(void);

#endif
