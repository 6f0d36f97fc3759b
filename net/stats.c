#include "net/stats.h"

#include "core/alloc.h"
#include "core/pool.h"
#include "store/command.h"

#include <stdlib.h>
#include <string.h>

struct counter_slot {
    ATOMIC(uint64_t) calls, usec, rejected, failed;
};

/* One per slot, on its own cache line. */
struct io_slot {
    ATOMIC(uint64_t) input_bytes, output_bytes, reads, writes;
} CACHE_ALIGNED;

struct sample_ring {
    uint64_t last_total;
    uint64_t last_ms;
    double per_second[STATS_SAMPLES];
    int next;
};

struct stats {
    int slots;                      /* workers + 1 */
    int entries;                    /* command_count(): commands and subcommands */
    struct counter_slot **per_slot; /* [slot][entry], each row cache-aligned */
    struct io_slot *io;             /* [slot] */
    /* Only the cron (one timer, on the polling thread) writes samples; INFO
     * reads the rates racily, which relaxed atomics make well defined. */
    ATOMIC(double) rates[METRIC_COUNT];
    struct sample_ring rings[METRIC_COUNT];
};

struct stats *stats_new(int workers)
{
    struct stats *s = mem_calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->slots = workers + 1;
    s->entries = command_count();
    s->per_slot = mem_calloc((size_t)s->slots, sizeof(*s->per_slot));
    s->io = aligned_alloc(CACHE_LINE, (size_t)s->slots * sizeof(*s->io));
    bool ok = s->per_slot != NULL && s->io != NULL;
    if (s->io)
        memset(s->io, 0, (size_t)s->slots * sizeof(*s->io));
    for (int i = 0; ok && i < s->slots; i++) {
        size_t bytes = ((size_t)s->entries + 1) * sizeof(struct counter_slot);
        bytes = (bytes + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
        s->per_slot[i] = aligned_alloc(CACHE_LINE, bytes);
        ok = s->per_slot[i] != NULL;
        if (ok)
            memset(s->per_slot[i], 0, bytes);
    }
    if (!ok) {
        stats_free(s);
        return NULL;
    }
    return s;
}

void stats_free(struct stats *s)
{
    if (!s)
        return;
    for (int i = 0; s->per_slot && i < s->slots; i++)
        free(s->per_slot[i]);
    mem_free(s->per_slot);
    free(s->io);
    mem_free(s);
}

int stats_entry_count(const struct stats *s)
{
    return s->entries;
}

/* The calling worker's slot, or the last one, shared by every other thread. */
static int current_slot(const struct stats *s)
{
    int w = pool_current_worker();
    return w >= 0 && w < s->slots - 1 ? w : s->slots - 1;
}

static struct counter_slot *slot_for(struct stats *s, int entry)
{
    return &s->per_slot[current_slot(s)][entry];
}

/* A worker's slot has one writer, so a plain load and store is enough (no
 * locked read-modify-write); the shared last slot needs the atomic add. A
 * reset racing with a count may lose either, as documented above. */
static void bump_in(const struct stats *s, ATOMIC(uint64_t) * counter, uint64_t n)
{
    if (pool_current_worker() >= 0 && pool_current_worker() < s->slots - 1) {
        uint64_t v = atomic_load_explicit(counter, memory_order_relaxed);
        atomic_store_explicit(counter, v + n, memory_order_relaxed);
    } else {
        atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
    }
}

void stats_count_call(struct stats *s, int entry, uint64_t usec, bool failed)
{
    if (entry < 0 || entry >= s->entries)
        return;
    struct counter_slot *c = slot_for(s, entry);
    bump_in(s, &c->calls, 1);
    bump_in(s, &c->usec, usec);
    if (failed)
        bump_in(s, &c->failed, 1);
}

void stats_count_rejected(struct stats *s, int entry)
{
    if (entry >= 0 && entry < s->entries)
        bump_in(s, &slot_for(s, entry)->rejected, 1);
}

void stats_read(const struct stats *s, int entry, struct command_counters *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < s->slots; i++) {
        struct counter_slot *c = &s->per_slot[i][entry];
        out->calls += atomic_load_explicit(&c->calls, memory_order_relaxed);
        out->usec += atomic_load_explicit(&c->usec, memory_order_relaxed);
        out->rejected_calls += atomic_load_explicit(&c->rejected, memory_order_relaxed);
        out->failed_calls += atomic_load_explicit(&c->failed, memory_order_relaxed);
    }
}

uint64_t stats_total_calls(const struct stats *s)
{
    uint64_t total = 0;
    for (int i = 0; i < s->slots; i++)
        for (int e = 0; e < s->entries; e++)
            total += atomic_load_explicit(&s->per_slot[i][e].calls, memory_order_relaxed);
    return total;
}

void stats_reset(struct stats *s)
{
    for (int i = 0; i < s->slots; i++) {
        for (int e = 0; e < s->entries; e++) {
            struct counter_slot *c = &s->per_slot[i][e];
            atomic_store_explicit(&c->calls, 0, memory_order_relaxed);
            atomic_store_explicit(&c->usec, 0, memory_order_relaxed);
            atomic_store_explicit(&c->rejected, 0, memory_order_relaxed);
            atomic_store_explicit(&c->failed, 0, memory_order_relaxed);
        }
        struct io_slot *io = &s->io[i];
        atomic_store_explicit(&io->input_bytes, 0, memory_order_relaxed);
        atomic_store_explicit(&io->output_bytes, 0, memory_order_relaxed);
        atomic_store_explicit(&io->reads, 0, memory_order_relaxed);
        atomic_store_explicit(&io->writes, 0, memory_order_relaxed);
    }
}

void stats_count_read(struct stats *s, uint64_t bytes)
{
    struct io_slot *io = &s->io[current_slot(s)];
    bump_in(s, &io->input_bytes, bytes);
    bump_in(s, &io->reads, 1);
}

void stats_count_write(struct stats *s, uint64_t bytes)
{
    struct io_slot *io = &s->io[current_slot(s)];
    bump_in(s, &io->output_bytes, bytes);
    bump_in(s, &io->writes, 1);
}

void stats_io_read(const struct stats *s, struct stats_io *out)
{
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < s->slots; i++) {
        struct io_slot *io = &s->io[i];
        out->net_input_bytes += atomic_load_explicit(&io->input_bytes, memory_order_relaxed);
        out->net_output_bytes += atomic_load_explicit(&io->output_bytes, memory_order_relaxed);
        out->reads_processed += atomic_load_explicit(&io->reads, memory_order_relaxed);
        out->writes_processed += atomic_load_explicit(&io->writes, memory_order_relaxed);
    }
}

void stats_sample(struct stats *s, enum stats_metric m, uint64_t total, uint64_t now_ms)
{
    struct sample_ring *r = &s->rings[m];
    if (r->last_ms != 0 && now_ms > r->last_ms) {
        uint64_t delta = total >= r->last_total ? total - r->last_total : 0;
        r->per_second[r->next] = (double)delta * 1000.0 / (double)(now_ms - r->last_ms);
        r->next = (r->next + 1) % STATS_SAMPLES;
        double sum = 0;
        for (int i = 0; i < STATS_SAMPLES; i++)
            sum += r->per_second[i];
        atomic_store_explicit(&s->rates[m], sum / STATS_SAMPLES, memory_order_relaxed);
    }
    r->last_total = total;
    r->last_ms = now_ms;
}

double stats_rate(const struct stats *s, enum stats_metric m)
{
    return atomic_load_explicit(&s->rates[m], memory_order_relaxed);
}
