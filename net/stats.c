#include "net/stats.h"

#include "core/alloc.h"
#include "core/pool.h"
#include "store/command.h"

#include <stdlib.h>
#include <string.h>

struct counter_slot {
    ATOMIC(uint64_t) calls, usec, rejected, failed;
};

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
    bool ok = s->per_slot != NULL;
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
    mem_free(s);
}

int stats_entry_count(const struct stats *s)
{
    return s->entries;
}

static struct counter_slot *slot_for(struct stats *s, int entry)
{
    int w = pool_current_worker();
    int slot = w >= 0 && w < s->slots - 1 ? w : s->slots - 1;
    return &s->per_slot[slot][entry];
}

static void bump(ATOMIC(uint64_t) * counter, uint64_t n)
{
    atomic_fetch_add_explicit(counter, n, memory_order_relaxed);
}

void stats_count_call(struct stats *s, int entry, uint64_t usec, bool failed)
{
    if (entry < 0 || entry >= s->entries)
        return;
    struct counter_slot *c = slot_for(s, entry);
    bump(&c->calls, 1);
    bump(&c->usec, usec);
    if (failed)
        bump(&c->failed, 1);
}

void stats_count_rejected(struct stats *s, int entry)
{
    if (entry >= 0 && entry < s->entries)
        bump(&slot_for(s, entry)->rejected, 1);
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
