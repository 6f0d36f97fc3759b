/*
 * Shared by net/reactor*.c only: the reactor's state.
 */
#ifndef MAGPIE_NET_REACTOR_INTERNAL_H
#define MAGPIE_NET_REACTOR_INTERNAL_H

#include "net/reactor.h"
#include "net/timer_heap.h"

#include <pthread.h>

/*
 * Registrations live in slots that never move: a fixed array of chunk
 * pointers, each chunk allocated once. A slot's generation is bumped when it
 * is registered and again when it is closed; the epoll data of a registration
 * holds (generation << 32 | slot index), so an event whose generation does
 * not match its slot any more is stale and is dropped.
 */
#define CHUNK_SLOTS  1024u
#define MAX_CHUNKS   4096u
#define WAKE_MARKER  UINT64_MAX
#define MAX_EVENTS   256
#define TIMER_BATCH  64
#define NO_FREE_SLOT UINT32_MAX

struct reactor_source {
    ATOMIC(uint32_t) generation;
    uint32_t index;
    int fd;
    reactor_fn fn;
    void *ctx;
    reactor_release_fn release;
    struct reactor_source *next_closed; /* pending-close list */
    uint32_t next_free;                 /* free list, by index */
};

struct reactor {
    int epfd;
    int wakefd;
    /* Held for a whole poll: polls are serialized, and a poll that finishes
     * happens-before the next one starts (what deferred closes rely on). */
    pthread_mutex_t poll_lock;
    /* Guards the slot free list, the pending closes, the timer heap and
     * poll_deadline. */
    pthread_mutex_t lock;
    ATOMIC(struct reactor_source *) chunks[MAX_CHUNKS];
    uint32_t chunk_count;
    uint32_t free_head;
    struct reactor_source *closed;
    ATOMIC(bool) has_closed;
    struct timer_heap timers;
    uint64_t poll_deadline; /* when the blocked poll wakes; 0: not blocked */
    ATOMIC(bool) wake_pending;
    struct {
        ATOMIC(uint64_t) polls, events, stale_events, wakeups, timers_fired, closes, registered;
    } stats;
};

static inline void stat_add(ATOMIC(uint64_t) * counter, uint64_t n)
{
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

/* Fires every due timer (polling thread). */
void reactor__run_timers(struct reactor *r);
/* The wait for epoll_wait: timeout_ms or the next timer, if sooner. Caller
 * holds r->lock. */
int reactor__wait_ms(struct reactor *r, int timeout_ms, uint64_t now);

#endif
