/*
 * The server's memory accounting (net/memory.h).
 */
#include "net/memory.h"
#include "net/conn.h"
#include "net/server.h"

#include "store/keyspace.h"

#include <malloc.h>
#include <stdio.h>
#include <unistd.h>

/* mallinfo2 walks every arena under its lock: in use is what chunks handed
 * out take (headers included), held adds the free chunks the arenas keep
 * and the mapped chunks of big allocations. */
static void allocator_counters(uint64_t *allocated, uint64_t *active)
{
    struct mallinfo2 mi = mallinfo2();
    *allocated = mi.uordblks + mi.hblkhd;
    *active = mi.arena + mi.hblkhd;
}

uint64_t memory_used_now(void)
{
    uint64_t allocated, active;
    allocator_counters(&allocated, &active);
    return active;
}

/* /proc/self/statm: total resident pages, and those backed by a file or
 * shared memory (the program, its libraries); the rest is anonymous. */
static void resident_pages(uint64_t *rss, uint64_t *anon)
{
    unsigned long size = 0, resident = 0, shared = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%lu %lu %lu", &size, &resident, &shared) != 3)
            resident = shared = 0;
        fclose(f);
    }
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    *rss = (uint64_t)resident * page;
    *anon = resident > shared ? (uint64_t)(resident - shared) * page : 0;
}

static void raise_peak(struct server *s, uint64_t used)
{
    uint64_t peak = atomic_load_explicit(&s->memory_peak, memory_order_relaxed);
    while (used > peak &&
           !atomic_compare_exchange_weak_explicit(&s->memory_peak, &peak, used,
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
}

static void count_clients(struct server *s, struct memory_view *v)
{
    v->clients_normal = 0;
    v->clients = 0;
    LOCK_GUARD (&s->clients.lock) {
        for (struct conn *c = s->clients.head; c; c = c->next) {
            v->clients_normal += atomic_load_explicit(&c->qbuf_cap, memory_order_relaxed) +
                                 atomic_load_explicit(&c->obl, memory_order_relaxed);
            v->clients++;
        }
    }
}

void memory_view_take(struct server *s, struct memory_view *v)
{
    allocator_counters(&v->allocated, &v->active);
    v->used = v->active;
    resident_pages(&v->rss, &v->resident);
    raise_peak(s, v->used);
    v->peak = atomic_load_explicit(&s->memory_peak, memory_order_relaxed);
    v->startup = atomic_load_explicit(&s->memory_startup, memory_order_relaxed);
    count_clients(s, v);
    v->keys = 0;
    v->overhead_tables = 0;
    int databases = keyspace_databases(s->ks);
    for (int db = 0; db < databases; db++) {
        struct keyspace_db_stats st;
        keyspace_db_stats(s->ks, db, &st);
        v->keys += st.keys;
        v->overhead_tables += st.table_bytes + st.ttl_index_bytes;
    }
    v->overhead = v->startup + v->clients_normal + v->overhead_tables;
}

void memory_note_startup(struct server *s)
{
    uint64_t used = memory_used_now();
    atomic_store_explicit(&s->memory_startup, used, memory_order_relaxed);
    raise_peak(s, used);
}

/* mallinfo2 walks every free chunk of every arena under its lock, so a
 * big fragmented heap makes it cost; once a second is enough for a peak. */
void memory_note_peak(struct server *s, uint64_t now_ms)
{
    uint64_t last = atomic_load_explicit(&s->memory_peak_sampled_ms, memory_order_relaxed);
    if (now_ms - last < 1000)
        return;
    atomic_store_explicit(&s->memory_peak_sampled_ms, now_ms, memory_order_relaxed);
    raise_peak(s, memory_used_now());
}
