/*
 * Writing the append-only file (net/aof.h). Each round takes what is ready
 * in commit order, writes it, and wakes the connections its marks cover.
 *
 * Under always, the log's own thread runs every round and fsyncs in it,
 * before the marks: one fsync for every connection, on every worker, that
 * wrote since the last one. fsync never runs on a pool worker.
 *
 * Under everysec and no, replies wait only for the write(). A hand-off to
 * the thread and back for each of them would cost more than the write: so
 * the worker that ends a connection's turn runs the round itself
 * (aof_write_inline), writing every record that is ready, its own and
 * other connections' alike, as Redis writes its log before it replies. One
 * round runs at a time (round_busy); a worker that finds one running
 * waits, and the owner goes round again while records keep coming. The
 * thread still runs rounds when nobody else does, and fsyncs everysec's
 * files once a second outside any round.
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
    if (aof__fsync_always(a)) {
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
    bool wrote;
    bool ok;
};

static void take_round(struct aof *a, struct round *r)
{
    aof__order_drain(a, clock_mono_ms());
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

/* Writes a round's buffers (mu not held). */
static void write_round(struct aof *a, struct round *r)
{
    r->wrote = false;
    r->ok = true;
    if (a->hold_ms && (r->bufs[0].len || r->bufs[1].len))
        usleep(a->hold_ms * 1000u);
    for (int i = 0; i < 2; i++) {
        if (r->bufs[i].len == 0)
            continue;
        if (r->bufs[i].oom || r->fds[i] < 0) {
            if (r->bufs[i].oom)
                write_failed(a, ENOMEM, "writing");
            r->ok = r->ok && !r->bufs[i].oom;
            continue;
        }
        uint64_t start = clock_mono_ns();
        int err = write_all(r->fds[i], r->bufs[i].data, r->bufs[i].len);
        latency_note(a, "aof-write", start);
        if (err) {
            write_failed(a, err, "writing to");
            r->ok = false;
            continue;
        }
        atomic_fetch_add_explicit(&a->current_size, (long long)r->bufs[i].len,
                                  memory_order_relaxed);
        r->wrote = true;
    }
    if (r->wrote && r->ok)
        atomic_store_explicit(&a->last_write_errno, 0, memory_order_relaxed);
    for (int i = 0; i < 2; i++)
        aof_buf_free(&r->bufs[i]);
}

static bool skips_fsync(const struct aof *a)
{
    return atomic_load_explicit(&a->no_fsync_on_rewrite, memory_order_relaxed) &&
           atomic_load_explicit(&a->rewrite_running, memory_order_relaxed);
}

/* fsyncs the outputs (mu not held; only the thread, which alone closes
 * them). */
static void fsync_outputs(struct aof *a, const int fds[2], bool always)
{
    uint64_t start = clock_mono_ns();
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0 && fdatasync(fds[i]) != 0)
            write_failed(a, errno, "fsyncing");
    if (always) /* Redis's only fsync event (everysec's is in bio) */
        latency_note(a, "aof-fsync-always", start);
}

/* Tickets only grow: a round whose mark fell below a claim taken before
 * it (its claim_dropped came later) leaves the counters as they are. */
static void advance(ATOMIC(uint64_t) * counter, uint64_t mark)
{
    if (atomic_load_explicit(counter, memory_order_relaxed) < mark)
        atomic_store_explicit(counter, mark, memory_order_release);
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

/* The end of a round (mu held): the marks, and the connections they cover.
 * `durable`: the round is as durable as the policy asks. */
static void publish(struct aof *a, const struct round *r, bool durable)
{
    if (!r->ok)
        return;
    if (durable)
        advance(&a->synced, r->mark);
    wake_covered(a, atomic_load_explicit(&a->synced, memory_order_relaxed));
}

/* A round without fsync (everysec and no: the write is what replies wait
 * for). The caller owns the round; mu held, released around the write. */
static void round_without_fsync(struct aof *a)
{
    struct round r;
    take_round(a, &r);
    pthread_mutex_unlock(&a->mu);
    write_round(a, &r);
    pthread_mutex_lock(&a->mu);
    a->dirty_since_fsync |= r.wrote;
    /* appendfsync became always meanwhile: the thread's fsync covers it. */
    bool now_always = aof__fsync_always(a);
    publish(a, &r, !now_always);
    if (now_always)
        aof__wake_writer(a);
}

/* Records that a round would write: new ones, or ready ones taken. */
static bool has_records(const struct aof *a)
{
    return a->in_head || a->cur.pending.len || a->old.pending.len;
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

/* A worker's round ends (mu held): the thread may be waiting for it. */
static void end_worker_round(struct aof *a)
{
    a->round_busy = false;
    if (a->thread_blocked)
        pthread_cond_broadcast(&a->wake);
}

/* Rounds one worker runs at most in a row before it leaves what keeps
 * coming to the thread: its own connection's replies wait meanwhile. */
#define INLINE_ROUNDS 4

bool aof_write_inline(struct server *s, uint64_t ticket)
{
    struct aof *a = s->aof;
    if (!a || atomic_load_explicit(&a->synced, memory_order_acquire) >= ticket)
        return true;
    if (aof__fsync_always(a))
        return false;
    pthread_mutex_lock(&a->mu);
    for (int i = 0; i < INLINE_ROUNDS && !a->round_busy && !a->stopping && has_records(a); i++) {
        a->round_busy = true;
        round_without_fsync(a);
        end_worker_round(a);
    }
    /* Records came while rounds ran and somebody waits for them. */
    if (!a->round_busy && has_records(a) && a->waiters)
        aof__wake_writer(a);
    bool covered = atomic_load_explicit(&a->synced, memory_order_relaxed) >= ticket;
    pthread_mutex_unlock(&a->mu);
    return covered;
}

/* Written by a worker's round, and appendfsync is always now. */
static bool has_work(const struct aof *a)
{
    return has_records(a) || a->retire_old || a->close_all || a->claim_dropped ||
           (a->dirty_since_fsync && aof__fsync_always(a));
}

static bool fsync_due(const struct aof *a, uint64_t now)
{
    int policy = atomic_load_explicit(&a->fsync_policy, memory_order_relaxed);
    return a->dirty_since_fsync && policy == CONFIG_FSYNC_EVERYSEC &&
           now - a->last_fsync_ms >= 1000 && !skips_fsync(a);
}

static void wait_for_work(struct aof *a)
{
    if (has_work(a) || a->stopping || fsync_due(a, clock_mono_ms()))
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

/* The thread's round (mu held; the thread owns the round). Under always
 * the fsync comes before the marks. */
static void thread_round(struct aof *a)
{
    if (!aof__fsync_always(a)) {
        round_without_fsync(a);
        return;
    }
    struct round r;
    take_round(a, &r);
    bool unsynced = a->dirty_since_fsync;
    pthread_mutex_unlock(&a->mu);
    write_round(a, &r);
    /* no-appendfsync-on-rewrite: acknowledged without the fsync. */
    bool fsync = (r.wrote || unsynced) && !skips_fsync(a);
    if (fsync)
        fsync_outputs(a, r.fds, true);
    pthread_mutex_lock(&a->mu);
    a->dirty_since_fsync = (r.wrote || unsynced) && !fsync;
    if (fsync)
        a->last_fsync_ms = clock_mono_ms();
    publish(a, &r, true);
}

/* everysec: once a second, outside any round (mu held, released around
 * the fsync: workers' rounds go on meanwhile). */
static void fsync_if_due(struct aof *a)
{
    uint64_t now = clock_mono_ms();
    if (!fsync_due(a, now))
        return;
    int fds[2] = {a->old.fd, a->cur.fd};
    a->dirty_since_fsync = false;
    a->last_fsync_ms = now;
    pthread_mutex_unlock(&a->mu);
    fsync_outputs(a, fds, false);
    pthread_mutex_lock(&a->mu);
}

static void close_outputs_now(struct aof *a)
{
    struct aof_out *outs[2] = {&a->old, a->close_all ? &a->cur : &a->old};
    for (int i = 0; i < 2; i++) {
        if (outs[i]->fd >= 0)
            close(outs[i]->fd);
        outs[i]->fd = outs[i]->db = -1;
    }
    a->retire_old = a->close_all = false;
    pthread_cond_broadcast(&a->wake);
}

static void *writer_main(void *arg)
{
    struct aof *a = arg;
    pthread_mutex_lock(&a->mu);
    for (;;) {
        wait_for_work(a);
        aof__expire_claims(a, clock_mono_ms());
        /* A worker's round: it goes round again while records come. */
        a->thread_blocked = true;
        while (a->round_busy)
            pthread_cond_wait(&a->wake, &a->mu);
        a->thread_blocked = false;
        a->round_busy = true;
        bool stop = a->stopping && !a->in_head;
        thread_round(a);
        /* Files close only here, between rounds, while the thread owns
         * the round: no worker writes to them meanwhile. */
        if (a->retire_old || a->close_all)
            close_outputs_now(a);
        a->round_busy = false;
        fsync_if_due(a);
        if (stop)
            break;
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
