/*
 * The epoll side of the reactor: registration, deferred close, dispatch with
 * stale-event dropping, the poll loop and the coalesced eventfd wake-up.
 * Timers are in reactor_timer.c.
 */
#include "net/reactor.h"
#include "net/reactor_internal.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/pool.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

struct reactor *reactor_new(void)
{
    struct reactor *r = mem_calloc(1, sizeof(*r));
    if (!r)
        return NULL;
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    r->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_MARKER};
    if (r->epfd < 0 || r->wakefd < 0 || epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->wakefd, &ev) < 0) {
        int saved = errno;
        if (r->epfd >= 0)
            close(r->epfd);
        if (r->wakefd >= 0)
            close(r->wakefd);
        mem_free(r);
        errno = saved;
        return NULL;
    }
    pthread_mutex_init(&r->poll_lock, NULL);
    pthread_mutex_init(&r->lock, NULL);
    r->free_head = NO_FREE_SLOT;
    timer_heap_init(&r->timers);
    return r;
}

static struct reactor_source *slot_at(struct reactor *r, uint32_t index)
{
    /* Acquire: pairs with the release in grow_slots, so the chunk's
     * initialization is visible before any of its slots is used. */
    struct reactor_source *chunk =
        atomic_load_explicit(&r->chunks[index / CHUNK_SLOTS], memory_order_acquire);
    return &chunk[index % CHUNK_SLOTS];
}

/* Adds a chunk of free slots. Caller holds r->lock. */
static int grow_slots(struct reactor *r)
{
    if (r->chunk_count == MAX_CHUNKS)
        return -EMFILE;
    struct reactor_source *chunk = mem_calloc(CHUNK_SLOTS, sizeof(*chunk));
    if (!chunk)
        return -ENOMEM;
    uint32_t base = r->chunk_count * CHUNK_SLOTS;
    for (uint32_t i = 0; i < CHUNK_SLOTS; i++) {
        chunk[i].index = base + i;
        chunk[i].fd = -1;
        chunk[i].next_free = i + 1 < CHUNK_SLOTS ? base + i + 1 : r->free_head;
    }
    /* Release: see slot_at. */
    atomic_store_explicit(&r->chunks[r->chunk_count], chunk, memory_order_release);
    r->chunk_count++;
    r->free_head = base;
    return 0;
}

static uint32_t epoll_events_for(uint32_t interest)
{
    uint32_t e = 0;
    if (interest & REACTOR_READABLE)
        e |= EPOLLIN | EPOLLRDHUP;
    if (interest & REACTOR_WRITABLE)
        e |= EPOLLOUT;
    if (interest & REACTOR_EDGE)
        e |= EPOLLET;
    return e;
}

static uint64_t event_data(struct reactor_source *s, uint32_t generation)
{
    return (uint64_t)generation << 32 | s->index;
}

int reactor_add(struct reactor *r, int fd, uint32_t interest, reactor_fn fn, void *ctx,
                struct reactor_source **out)
{
    struct reactor_source *s = NULL;
    int rc = 0;
    pthread_mutex_lock(&r->lock);
    if (r->free_head == NO_FREE_SLOT)
        rc = grow_slots(r);
    if (rc == 0) {
        s = slot_at(r, r->free_head);
        r->free_head = s->next_free;
    }
    pthread_mutex_unlock(&r->lock);
    if (rc)
        return rc;

    s->fd = fd;
    s->fn = fn;
    s->ctx = ctx;
    s->release = NULL;
    /* Before the fd is in epoll: a poller on another thread may dispatch its
     * first event at once, and the callback may look at *out (the listener
     * reads its socket's fd through it). */
    *out = s;
    uint32_t generation = atomic_load_explicit(&s->generation, memory_order_relaxed) + 1;
    /* Release: the dispatcher's acquire load of this generation sees fd, fn,
     * ctx and *out as written above. */
    atomic_store_explicit(&s->generation, generation, memory_order_release);
    struct epoll_event ev = {.events = epoll_events_for(interest),
                             .data.u64 = event_data(s, generation)};
    if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
        rc = -errno;
        atomic_store_explicit(&s->generation, generation + 1, memory_order_relaxed);
        s->fd = -1;
        pthread_mutex_lock(&r->lock);
        s->next_free = r->free_head;
        r->free_head = s->index;
        pthread_mutex_unlock(&r->lock);
        *out = NULL;
        return rc;
    }
    stat_add(&r->stats.registered, 1);
    return 0;
}

int reactor_set_interest(struct reactor *r, struct reactor_source *s, uint32_t interest)
{
    uint32_t generation = atomic_load_explicit(&s->generation, memory_order_relaxed);
    struct epoll_event ev = {.events = epoll_events_for(interest),
                             .data.u64 = event_data(s, generation)};
    return epoll_ctl(r->epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0 ? -errno : 0;
}

int reactor_source_fd(const struct reactor_source *s)
{
    return s->fd;
}

void reactor_close(struct reactor *r, struct reactor_source *s, reactor_release_fn release)
{
    /* Release: a dispatcher that still sees the old generation may run the
     * callback once more; one that sees the new one drops the event. */
    atomic_fetch_add_explicit(&s->generation, 1, memory_order_release);
    epoll_ctl(r->epfd, EPOLL_CTL_DEL, s->fd, NULL);
    pthread_mutex_lock(&r->lock);
    s->release = release;
    s->next_closed = r->closed;
    r->closed = s;
    atomic_store_explicit(&r->has_closed, true, memory_order_relaxed);
    pthread_mutex_unlock(&r->lock);
}

/*
 * Completes the closes requested so far. Called between polls (poll_lock
 * held, no dispatch running), so no event that names these sources is still
 * being handled, and epoll will report none again.
 */
static void finish_closes(struct reactor *r)
{
    if (!atomic_load_explicit(&r->has_closed, memory_order_relaxed))
        return;
    pthread_mutex_lock(&r->lock);
    struct reactor_source *list = r->closed;
    r->closed = NULL;
    atomic_store_explicit(&r->has_closed, false, memory_order_relaxed);
    pthread_mutex_unlock(&r->lock);
    uint64_t n = 0;
    for (struct reactor_source *s = list, *next; s; s = next, n++) {
        next = s->next_closed;
        close(s->fd);
        s->fd = -1;
        if (s->release)
            s->release(s->ctx);
        s->ctx = NULL;
        pthread_mutex_lock(&r->lock);
        s->next_free = r->free_head;
        r->free_head = s->index;
        pthread_mutex_unlock(&r->lock);
    }
    if (n) {
        stat_add(&r->stats.closes, n);
        atomic_fetch_sub_explicit(&r->stats.registered, n, memory_order_relaxed);
    }
}

static uint32_t readiness(uint32_t e)
{
    uint32_t ready = 0;
    if (e & (EPOLLIN | EPOLLPRI))
        ready |= REACTOR_READABLE;
    if (e & EPOLLOUT)
        ready |= REACTOR_WRITABLE;
    if (e & (EPOLLHUP | EPOLLRDHUP))
        ready |= REACTOR_HANGUP | REACTOR_READABLE;
    if (e & EPOLLERR)
        ready |= REACTOR_ERROR | REACTOR_READABLE | REACTOR_WRITABLE;
    return ready;
}

static void drain_wakeups(struct reactor *r)
{
    uint64_t count;
    ssize_t ignored = read(r->wakefd, &count, sizeof(count));
    (void)ignored;
    /* Release: pairs with the exchange in reactor_unpark; an unpark after this
     * point writes the eventfd again. One that came between the read and here
     * is covered by this poll returning. */
    atomic_store_explicit(&r->wake_pending, false, memory_order_release);
}

static void dispatch(struct reactor *r, const struct epoll_event *events, int n)
{
    uint64_t dispatched = 0, stale = 0;
    for (int i = 0; i < n; i++) {
        uint64_t data = events[i].data.u64;
        if (data == WAKE_MARKER) {
            drain_wakeups(r);
            continue;
        }
        struct reactor_source *s = slot_at(r, (uint32_t)data);
        /* Acquire: pairs with the release in reactor_add (fn and ctx are set). */
        uint32_t generation = atomic_load_explicit(&s->generation, memory_order_acquire);
        if (generation != (uint32_t)(data >> 32)) {
            stale++;
            continue;
        }
        s->fn(s->ctx, readiness(events[i].events));
        dispatched++;
    }
    stat_add(&r->stats.events, dispatched);
    stat_add(&r->stats.stale_events, stale);
}

void reactor_poll(struct reactor *r, int timeout_ms)
{
    if (pthread_mutex_trylock(&r->poll_lock) != 0)
        return; /* another thread is polling; the pool should not let this happen */
    finish_closes(r);
    uint64_t now = clock_mono_ms();
    pthread_mutex_lock(&r->lock);
    int wait = reactor__wait_ms(r, timeout_ms, now);
    r->poll_deadline = wait < 0 ? UINT64_MAX : now + (uint64_t)wait;
    pthread_mutex_unlock(&r->lock);

    struct epoll_event events[MAX_EVENTS];
    int n = epoll_wait(r->epfd, events, MAX_EVENTS, wait);
    if (n < 0 && errno != EINTR)
        log_warning("epoll_wait: %s", strerror(errno));

    pthread_mutex_lock(&r->lock);
    r->poll_deadline = 0;
    pthread_mutex_unlock(&r->lock);
    stat_add(&r->stats.polls, 1);
    if (n > 0)
        dispatch(r, events, n);
    reactor__run_timers(r);
    finish_closes(r);
    pthread_mutex_unlock(&r->poll_lock);
}

void reactor_unpark(struct reactor *r)
{
    /* Acq_rel: only the thread that flips false -> true writes, so a burst of
     * unparks costs one write; pairs with the release in drain_wakeups. */
    if (atomic_exchange_explicit(&r->wake_pending, true, memory_order_acq_rel))
        return;
    uint64_t one = 1;
    ssize_t ignored = write(r->wakefd, &one, sizeof(one));
    (void)ignored;
    stat_add(&r->stats.wakeups, 1);
}

static void driver_poll(void *ctx, int timeout_ms)
{
    reactor_poll(ctx, timeout_ms);
}

static void driver_unpark(void *ctx)
{
    reactor_unpark(ctx);
}

void reactor_driver(struct reactor *r, struct pool_driver *out)
{
    out->poll = driver_poll;
    out->unpark = driver_unpark;
    out->ctx = r;
}

void reactor_get_stats(struct reactor *r, struct reactor_stats *out)
{
#define LOAD(f) out->f = atomic_load_explicit(&r->stats.f, memory_order_relaxed)
    LOAD(polls);
    LOAD(events);
    LOAD(stale_events);
    LOAD(wakeups);
    LOAD(timers_fired);
    LOAD(closes);
    LOAD(registered);
#undef LOAD
}

void reactor_free(struct reactor *r)
{
    if (!r)
        return;
    finish_closes(r);
    close(r->epfd);
    close(r->wakefd);
    timer_heap_free(&r->timers);
    for (uint32_t i = 0; i < r->chunk_count; i++)
        mem_free(atomic_load_explicit(&r->chunks[i], memory_order_relaxed));
    pthread_mutex_destroy(&r->lock);
    pthread_mutex_destroy(&r->poll_lock);
    mem_free(r);
}
