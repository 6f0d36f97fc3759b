/*
 * The append-only file's thread (net/aof.h): the only one that writes and
 * fsyncs the log, never a pool worker. Each round it takes what is ready in
 * commit order, writes it, fsyncs as appendfsync says, and then wakes the
 * connections whose records that fsync covered: one fsync for every
 * connection, on every worker, that wrote since the last one.
 *
 * A failed write or fsync under `always` ends the process, as Redis does:
 * nothing unwritten may be acknowledged, and the replies held for it are
 * never sent. Under everysec and no, writes are refused (MISCONF) until a
 * write succeeds again.
 */
#include "net/aof_internal.h"
#include "net/latency.h"
#include "net/server.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/log.h"
#include "core/task.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ROUND_MS 100 /* the longest the thread sleeps with nothing to do */

static void latency_note(struct aof *a, const char *event, uint64_t start_ns)
{
    uint64_t ms = (clock_mono_ns() - start_ns) / 1000000;
    long long threshold = config_number(a->server->config, CONFIG_LATENCY_MONITOR_THRESHOLD);
    if (threshold > 0 && (long long)ms >= threshold)
        latency_add_sample(a->server->latency, event, (uint32_t)ms, clock_unix_ms() / 1000);
}

/* Writes all of buf to fd: 0 or the errno of the failure. */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : ENOSPC;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

static void write_failed(struct aof *a, int err, const char *what)
{
    if (atomic_load_explicit(&a->fsync_policy, memory_order_relaxed) == CONFIG_FSYNC_ALWAYS) {
        log_warning("Can't recover from AOF %s error when the AOF fsync policy is 'always'. "
                    "Exiting...: %s",
                    what, strerror(err));
        _exit(1);
    }
    if (atomic_exchange_explicit(&a->last_write_errno, err, memory_order_relaxed) == 0)
        log_warning("Error %s the AOF file: %s", what, strerror(err));
}

/* What one round writes, taken from the outputs under mu. */
struct round {
    struct aof_buf bufs[2];
    int fds[2];
    uint64_t mark; /* every ticket up to it is in bufs or written before */
    bool durable;  /* the round is as durable as the policy asks */
};

static void take_round(struct aof *a, struct round *r)
{
    struct aof_out *outs[2] = {&a->old, &a->cur};
    for (int i = 0; i < 2; i++) {
        r->bufs[i] = outs[i]->pending;
        outs[i]->pending = (struct aof_buf){0};
        r->fds[i] = outs[i]->fd;
    }
    uint64_t low = aof__lowest_waiting(a);
    r->mark = low ? low - 1 : atomic_load_explicit(&a->next_ticket, memory_order_relaxed);
    a->claim_dropped = false; /* the mark above has moved past it */
}

/* Writes a round out and fsyncs it as the policy says; returns whether the
 * data is on disk (or the policy does not ask for it). */
static bool write_round(struct aof *a, struct round *r)
{
    bool wrote = false, ok = true;
    if (a->hold_ms && (r->bufs[0].len || r->bufs[1].len))
        usleep(a->hold_ms * 1000u);
    for (int i = 0; i < 2; i++) {
        if (r->bufs[i].len == 0)
            continue;
        if (r->bufs[i].oom || r->fds[i] < 0) {
            if (r->bufs[i].oom)
                write_failed(a, ENOMEM, "writing");
            ok = !r->bufs[i].oom;
            continue;
        }
        uint64_t start = clock_mono_ns();
        int err = write_all(r->fds[i], r->bufs[i].data, r->bufs[i].len);
        latency_note(a, "aof-write", start);
        if (err) {
            write_failed(a, err, "writing to");
            ok = false;
            continue;
        }
        atomic_fetch_add_explicit(&a->current_size, (long long)r->bufs[i].len,
                                  memory_order_relaxed);
        wrote = true;
    }
    if (wrote && ok)
        atomic_store_explicit(&a->last_write_errno, 0, memory_order_relaxed);
    if (wrote)
        a->dirty_since_fsync = true;
    int policy = atomic_load_explicit(&a->fsync_policy, memory_order_relaxed);
    bool skip = atomic_load_explicit(&a->no_fsync_on_rewrite, memory_order_relaxed) &&
                atomic_load_explicit(&a->rewrite_running, memory_order_relaxed);
    uint64_t now = clock_mono_ms();
    bool due = policy == CONFIG_FSYNC_ALWAYS ||
               (policy == CONFIG_FSYNC_EVERYSEC && now - a->last_fsync_ms >= 1000);
    if (a->dirty_since_fsync && due && !skip) {
        uint64_t start = clock_mono_ns();
        for (int i = 0; i < 2; i++)
            if (r->fds[i] >= 0 && fdatasync(r->fds[i]) != 0)
                write_failed(a, errno, "fsyncing");
        if (policy == CONFIG_FSYNC_ALWAYS) /* Redis's only fsync event (everysec's is in bio) */
            latency_note(a, "aof-fsync-always", start);
        a->dirty_since_fsync = false;
        a->last_fsync_ms = now;
    }
    r->durable = !a->dirty_since_fsync || policy != CONFIG_FSYNC_ALWAYS || skip;
    for (int i = 0; i < 2; i++)
        aof_buf_free(&r->bufs[i]);
    return ok;
}

/* Wakes the connections whose tickets are covered (mu held). */
static void wake_covered(struct aof *a, uint64_t synced)
{
    for (struct aof_waiter *w = a->waiters, *next; w; w = next) {
        next = w->next;
        if (w->ticket > synced)
            continue;
        if (w->prev)
            w->prev->next = w->next;
        else
            a->waiters = w->next;
        if (w->next)
            w->next->prev = w->prev;
        w->linked = false;
        /* Release: the task that sees done sees the list without it. */
        atomic_store_explicit(&w->done, true, memory_order_release);
        task_wake(w->task);
    }
}

/* Tickets only grow: a round whose mark fell below a claim taken before
 * it (its claim_dropped came later) leaves the counters as they are. */
static void advance(ATOMIC(uint64_t) * counter, uint64_t mark)
{
    if (atomic_load_explicit(counter, memory_order_relaxed) < mark)
        atomic_store_explicit(counter, mark, memory_order_release);
}

void aof__wake_writer(struct aof *a)
{
    /* One signal wakes the writer; while it runs it comes round by
     * itself. */
    if (a->writer_idle) {
        a->writer_idle = false;
        pthread_cond_broadcast(&a->wake);
    }
}

static bool has_work(const struct aof *a)
{
    return a->in_head || a->cur.pending.len || a->old.pending.len || a->retire_old ||
           a->close_all || a->claim_dropped;
}

static void wait_for_work(struct aof *a)
{
    if (has_work(a) || a->stopping)
        return;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    /* Waiting records are looked at again soon: a stall is timed. */
    long ms = a->wait_head ? 5 : ROUND_MS;
    until.tv_nsec += ms * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    a->writer_idle = true;
    pthread_cond_timedwait(&a->wake, &a->mu, &until);
    a->writer_idle = false;
}

static void *writer_main(void *arg)
{
    struct aof *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        wait_for_work(a);
        uint64_t now = clock_mono_ms();
        aof__expire_claims(a, now);
        aof__order_drain(a, now);
        struct round r;
        take_round(a, &r);
        bool stop = a->stopping && !a->in_head;
        pthread_mutex_unlock(&a->mu);
        bool ok = write_round(a, &r);
        pthread_mutex_lock(&a->mu);
        if (ok) {
            advance(&a->written, r.mark);
            /* Under everysec and no, written is as good as it gets. */
            if (r.durable)
                advance(&a->synced, r.mark);
            wake_covered(a, atomic_load_explicit(&a->synced, memory_order_relaxed));
        }
        if (a->retire_old || a->close_all) {
            struct aof_out *outs[2] = {&a->old, a->close_all ? &a->cur : &a->old};
            for (int i = 0; i < 2; i++) {
                if (outs[i]->fd >= 0)
                    close(outs[i]->fd);
                outs[i]->fd = outs[i]->db = -1;
            }
            a->retire_old = a->close_all = false;
            pthread_cond_broadcast(&a->wake);
        }
        if (stop)
            break;
        /* No pause to batch under everysec and no: their replies wait for
         * the write (as Redis writes before it replies), and the records
         * that arrive during one write() go in the next one anyway. */
    }
    pthread_mutex_unlock(&a->mu);
    return NULL;
}

int aof__writer_start(struct aof *a)
{
    const char *hold = getenv("MAGPIE_AOF_HOLD_MS");
    a->hold_ms = hold && *hold ? (unsigned)strtoul(hold, NULL, 10) : 0;
    int rc = pthread_create(&a->thread, NULL, writer_main, a);
    if (rc) {
        errno = rc;
        return -1;
    }
    a->thread_started = true;
    return 0;
}

void aof__writer_stop(struct aof *a)
{
    if (!a->thread_started)
        return;
    pthread_mutex_lock(&a->mu);
    a->stopping = true;
    pthread_cond_broadcast(&a->wake);
    pthread_mutex_unlock(&a->mu);
    pthread_join(a->thread, NULL);
    a->thread_started = false;
    /* The last round: whatever it wrote is fsynced too, whatever the policy. */
    if (a->cur.fd >= 0)
        fsync(a->cur.fd);
}
