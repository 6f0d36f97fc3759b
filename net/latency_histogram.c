/*
 * Per-command latency histograms (net/latency_histogram.h).
 */
#include "net/latency_histogram.h"

#include "core/alloc.h"
#include "core/pool.h"
#include "store/command.h"

#include <stdlib.h>
#include <string.h>

struct latency_histograms {
    int slots;   /* workers + 1 */
    int entries; /* command_count() */
    /* [slot][entry * BUCKETS + bucket], each row cache-aligned */
    ATOMIC(uint64_t) * *per_slot;
};

struct latency_histograms *latency_histograms_new(int workers)
{
    struct latency_histograms *h = mem_calloc(1, sizeof(*h));
    if (!h)
        return NULL;
    h->slots = workers + 1;
    h->entries = command_count();
    h->per_slot = mem_calloc((size_t)h->slots, sizeof(*h->per_slot));
    bool ok = h->per_slot != NULL;
    size_t bytes = (size_t)h->entries * LATENCY_HISTOGRAM_BUCKETS * sizeof(uint64_t);
    bytes = (bytes + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
    for (int i = 0; ok && i < h->slots; i++) {
        h->per_slot[i] = aligned_alloc(CACHE_LINE, bytes);
        ok = h->per_slot[i] != NULL;
        if (ok)
            memset((void *)h->per_slot[i], 0, bytes);
    }
    if (!ok) {
        latency_histograms_free(h);
        return NULL;
    }
    return h;
}

void latency_histograms_free(struct latency_histograms *h)
{
    if (!h)
        return;
    for (int i = 0; h->per_slot && i < h->slots; i++)
        free((void *)h->per_slot[i]);
    mem_free(h->per_slot);
    mem_free(h);
}

/*
 * Redis records microseconds times 1000 in an HDR histogram (1 ns to 1 s, 2
 * significant digits) and reports it by log iteration from 1024 ns, base 2:
 * step k reaches the highest value equivalent to 1024 << k at that
 * precision, (1024 << k) + (8 << k) - 1 ns, and is shown in whole
 * microseconds (1, 2, 4, 8, 16, 33, 66, 132, ...).
 */
static uint64_t bucket_bound_ns(int k)
{
    return (1024ull << k) + (8ull << k) - 1;
}

static int bucket_of(uint64_t usec)
{
    uint64_t ns = usec * 1000;
    int b = 0;
    while (ns > bucket_bound_ns(b) && b < LATENCY_HISTOGRAM_BUCKETS - 1)
        b++;
    return b;
}

void latency_histograms_count(struct latency_histograms *h, int entry, uint64_t usec)
{
    if (entry < 0 || entry >= h->entries)
        return;
    int w = pool_current_worker();
    bool own = w >= 0 && w < h->slots - 1;
    ATOMIC(uint64_t) *c =
        &h->per_slot[own ? w : h->slots - 1][entry * LATENCY_HISTOGRAM_BUCKETS + bucket_of(usec)];
    /* A worker's slot has one writer: no locked read-modify-write. */
    if (own)
        atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + 1,
                              memory_order_relaxed);
    else
        atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

void latency_histograms_reset(struct latency_histograms *h)
{
    size_t n = (size_t)h->entries * LATENCY_HISTOGRAM_BUCKETS;
    for (int i = 0; i < h->slots; i++)
        for (size_t j = 0; j < n; j++)
            atomic_store_explicit(&h->per_slot[i][j], 0, memory_order_relaxed);
}

static uint64_t read_entry(struct latency_histograms *h, int entry,
                           uint64_t counts[LATENCY_HISTOGRAM_BUCKETS])
{
    uint64_t calls = 0;
    for (int b = 0; b < LATENCY_HISTOGRAM_BUCKETS; b++) {
        counts[b] = 0;
        for (int i = 0; i < h->slots; i++)
            counts[b] += atomic_load_explicit(
                &h->per_slot[i][entry * LATENCY_HISTOGRAM_BUCKETS + b], memory_order_relaxed);
        calls += counts[b];
    }
    return calls;
}

static void reply_entry(struct reply *r, const struct command *cmd, uint64_t calls,
                        const uint64_t counts[LATENCY_HISTOGRAM_BUCKETS])
{
    int used = 0;
    for (int b = 0; b < LATENCY_HISTOGRAM_BUCKETS; b++)
        used += counts[b] > 0;
    reply_bulk_cstr(r, cmd->name);
    reply_map(r, 2);
    reply_bulk_cstr(r, "calls");
    reply_int(r, (long long)calls);
    reply_bulk_cstr(r, "histogram_usec");
    /* Cumulative, only where it grows, as Redis's log iteration reports. */
    reply_map(r, (size_t)used);
    uint64_t cumulative = 0;
    for (int b = 0; b < LATENCY_HISTOGRAM_BUCKETS; b++) {
        if (!counts[b])
            continue;
        cumulative += counts[b];
        reply_int(r, (long long)(bucket_bound_ns(b) / 1000));
        reply_int(r, (long long)cumulative);
    }
}

void latency_histograms_reply(struct latency_histograms *h, struct reply *r, int nnames,
                              const struct resp_arg *names)
{
    uint64_t counts[LATENCY_HISTOGRAM_BUCKETS];
    struct reply_deferred d = reply_defer(r);
    size_t n = 0;
    if (nnames == 0) {
        for (int e = 0; e < h->entries && e < command_count(); e++) {
            uint64_t calls = read_entry(h, e, counts);
            if (calls) {
                reply_entry(r, command_at(e), calls, counts);
                n++;
            }
        }
    } else {
        for (int i = 0; i < nnames; i++) {
            const struct command *cmd = NULL;
            const char *bar = memchr(names[i].ptr, '|', names[i].len);
            if (!bar) {
                cmd = command_lookup(names[i].ptr, names[i].len);
            } else {
                const struct command *container =
                    command_lookup(names[i].ptr, (size_t)(bar - names[i].ptr));
                size_t rest = names[i].len - (size_t)(bar - names[i].ptr) - 1;
                cmd = container ? command_find_subcommand(container, bar + 1, rest) : NULL;
            }
            if (!cmd)
                continue;
            uint64_t calls = read_entry(h, command_index(cmd), counts);
            if (calls) {
                reply_entry(r, cmd, calls, counts);
                n++;
            }
        }
    }
    reply_map_fill(r, d, n);
}
