/*
 * The reactor: the one epoll instance of the server, its timers, and the hook
 * through which the work-stealing pool drives it (struct pool_driver).
 *
 * A worker about to park calls reactor_poll(); it waits for readiness or the
 * next timer, then runs the callbacks of what fired, which record readiness
 * and wake tasks (task_wake), so a lone request is read, run and answered on
 * the worker that saw it. reactor_unpark() interrupts a blocked poll from any
 * thread through an eventfd; wake-ups are coalesced, so a burst of them costs
 * one write.
 *
 * Lifetime rules that make events safe without locking the callbacks:
 * - each registration carries a generation in its epoll data; an event whose
 *   generation no longer matches its slot (the fd was closed, the slot maybe
 *   reused) is dropped;
 * - reactor_close() deregisters at once but closes the fd and calls release()
 *   only after the poll that may still hold an event for it has finished
 *   dispatching. Until release(), a callback may still run once for the closed
 *   registration, so its owner must keep ctx alive until then.
 *
 * Callbacks and timer functions run on the polling thread, one at a time; they
 * must be short and must never block. Polls are serialized (a second
 * concurrent reactor_poll returns at once). Nothing here parses or replies.
 */
#ifndef MAGPIE_NET_REACTOR_H
#define MAGPIE_NET_REACTOR_H

#include "core/compiler.h"
struct pool_driver; /* core/pool.h */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Readiness bits (callback argument) and interest bits (registration). */
#define REACTOR_READABLE 0x1u
#define REACTOR_WRITABLE 0x2u
#define REACTOR_HANGUP   0x4u /* peer closed (readable until EOF) */
#define REACTOR_ERROR    0x8u
#define REACTOR_EDGE     0x10u /* interest only: edge-triggered */

struct reactor;
struct reactor_source; /* one registered fd; opaque */

/* Runs on the polling thread with the readiness observed (REACTOR_* bits). */
typedef void (*reactor_fn)(void *ctx, uint32_t events);
/* The fd is closed and no event can reach ctx any more: free it now. */
typedef void (*reactor_release_fn)(void *ctx);

struct reactor_stats {
    uint64_t polls;        /* reactor_poll calls that waited or checked */
    uint64_t events;       /* events dispatched to callbacks */
    uint64_t stale_events; /* events dropped: their registration was closed */
    uint64_t wakeups;      /* eventfd writes (after coalescing) */
    uint64_t timers_fired;
    uint64_t closes;     /* deferred closes completed */
    uint64_t registered; /* fds registered now */
};

/* NULL (errno set) on failure. */
struct reactor *reactor_new(void);
/* Completes every pending close, then closes the epoll and eventfd. The
 * caller guarantees no poll is running and no other call can come. */
void reactor_free(struct reactor *r);

/*
 * Registers fd for `interest` (REACTOR_READABLE | REACTOR_WRITABLE, and
 * REACTOR_EDGE for edge-triggered). From any thread. Returns 0 and sets *out,
 * or -errno (the fd is then left open and unregistered). *out is set before
 * the fd can produce an event, so the callback may read it even when another
 * thread's poll dispatches the first event before reactor_add returns.
 */
int reactor_add(struct reactor *r, int fd, uint32_t interest, reactor_fn fn, void *ctx,
                struct reactor_source **out);
/* Changes the interest (0 pauses the fd). Returns 0 or -errno. */
int reactor_set_interest(struct reactor *r, struct reactor_source *s, uint32_t interest);
int reactor_source_fd(const struct reactor_source *s);
/*
 * Deregisters s; later, once no event can refer to it, closes its fd and calls
 * release(ctx) (release may be NULL) on the polling thread, or in
 * reactor_free. From any thread, once per source; s is invalid afterwards.
 */
void reactor_close(struct reactor *r, struct reactor_source *s, reactor_release_fn release);

/* Waits up to timeout_ms (-1: until something happens) and dispatches. */
void reactor_poll(struct reactor *r, int timeout_ms);
/* Makes a blocked reactor_poll return soon, or the next one not block. */
void reactor_unpark(struct reactor *r);
/* Fills a pool driver that polls and unparks this reactor. */
void reactor_driver(struct reactor *r, struct pool_driver *out);

void reactor_get_stats(struct reactor *r, struct reactor_stats *out);

/*
 * Timers, in a binary heap ordered by due time (monotonic milliseconds). The
 * function runs on the polling thread once the timer is due; it may restart
 * its own timer. A timer must stay alive until it is stopped and, if it
 * may be firing at that moment, until the next poll ends (owners that free
 * memory through reactor_close's release get this for free).
 */
struct reactor_timer {
    void (*fn)(struct reactor_timer *t);
    uint64_t due_ms;
    size_t heap_index; /* private: position in the heap, or SIZE_MAX when stopped */
};

void reactor_timer_init(struct reactor_timer *t, void (*fn)(struct reactor_timer *t));
/* Arms (or re-arms) t to fire delay_ms from now. From any thread. Returns 0
 * or -ENOMEM. */
int reactor_timer_start(struct reactor *r, struct reactor_timer *t, uint64_t delay_ms);
/* Disarms t if armed. From any thread. */
void reactor_timer_stop(struct reactor *r, struct reactor_timer *t);
bool reactor_timer_armed(struct reactor *r, struct reactor_timer *t);

#ifdef __cplusplus
}
#endif
#endif
