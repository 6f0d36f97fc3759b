/*
 * The start-up load's state and progress (net/loading.h).
 */
#include "net/loading.h"
#include "net/text.h"

#include "core/clock.h"

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

void loading_begin(struct loading *l)
{
    l->done_before = 0;
    l->stopped = false;
    atomic_store_explicit(&l->start_unix, clock_unix_ms() / 1000, memory_order_relaxed);
    atomic_store_explicit(&l->total_bytes, 0, memory_order_relaxed);
    atomic_store_explicit(&l->loaded_bytes, 0, memory_order_relaxed);
    atomic_store_explicit(&l->active, true, memory_order_release);
}

/* A shutdown was asked for: SIGTERM or SIGINT pending (every thread blocks
 * them; the main thread takes them with sigwait once the server runs). */
static bool shutdown_pending(struct loading *l)
{
    sigset_t pending;
    if (!l->stopped && sigpending(&pending) == 0)
        l->stopped = sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1;
    return l->stopped;
}

bool loading_reads(struct loading *l, uint64_t total_bytes)
{
    atomic_store_explicit(&l->total_bytes, total_bytes, memory_order_relaxed);
    const char *hold = getenv("MAGPIE_LOADING_HOLD_MS");
    unsigned long ms = hold && *hold ? strtoul(hold, NULL, 10) : 0;
    for (unsigned long waited = 0; waited < ms && !shutdown_pending(l); waited += 10)
        usleep(10000);
    return !l->stopped;
}

bool loading_progress(struct loading *l, uint64_t bytes)
{
    atomic_store_explicit(&l->loaded_bytes, l->done_before + bytes, memory_order_relaxed);
    return !shutdown_pending(l);
}

bool loading_stopped(const struct loading *l)
{
    return l->stopped;
}

bool loading_rdb_progress(void *ctx, uint64_t parsed)
{
    return loading_progress(ctx, parsed);
}

void loading_file_done(struct loading *l, uint64_t bytes)
{
    l->done_before += bytes;
    atomic_store_explicit(&l->loaded_bytes, l->done_before, memory_order_relaxed);
}

void loading_end(struct loading *l)
{
    /* Release: a command that sees the load over sees every key it linked. */
    atomic_store_explicit(&l->active, false, memory_order_release);
}

void loading_info(const struct loading *l, struct text *t)
{
    if (!loading_active(l))
        return;
    struct loading *m = (struct loading *)l;
    int64_t start = atomic_load_explicit(&m->start_unix, memory_order_relaxed);
    uint64_t total = atomic_load_explicit(&m->total_bytes, memory_order_relaxed);
    uint64_t loaded = atomic_load_explicit(&m->loaded_bytes, memory_order_relaxed);
    double perc = total ? (double)loaded * 100.0 / (double)total : 0;
    uint64_t left = total > loaded ? total - loaded : 0;
    int64_t elapsed = clock_unix_ms() / 1000 - start;
    /* As Redis: a second when nothing can be told yet, else the time so
     * far scaled by what is left. */
    long long eta = elapsed <= 0 ? 1 : (long long)((uint64_t)elapsed * left / (loaded + 1));
    text_printf(t,
                "loading_start_time:%lld\r\nloading_total_bytes:%llu\r\n"
                "loading_rdb_used_mem:0\r\nloading_loaded_bytes:%llu\r\n"
                "loading_loaded_perc:%.2f\r\nloading_eta_seconds:%lld\r\n",
                (long long)start, (unsigned long long)total, (unsigned long long)loaded, perc, eta);
}
