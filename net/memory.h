/*
 * Where the server's memory goes, as INFO memory and MEMORY STATS / DOCTOR
 * report it, on glibc's malloc: mallinfo2 says what is handed out (in use)
 * and what the allocator holds from the system (in use, its free lists and
 * chunk headers), /proc/self/statm what is resident (anonymous pages, and
 * file-backed ones: the program and its libraries).
 *
 * used_memory is what the allocator holds for Magpie, free lists included:
 * memory Magpie made the process keep, which is what RSS shows. The part in
 * use is allocator_allocated. Never touches a shard beyond counting it.
 */
#ifndef MAGPIE_NET_MEMORY_H
#define MAGPIE_NET_MEMORY_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct server;

/* Bytes unless named otherwise. */
struct memory_view {
    uint64_t used;            /* used_memory: allocator held (active) */
    uint64_t allocated;       /* in use by Magpie */
    uint64_t active;          /* held by the allocator: in use and free lists */
    uint64_t resident;        /* anonymous resident pages: the allocator's, stacks */
    uint64_t rss;             /* everything resident, program text included */
    uint64_t peak;            /* the highest `used` seen */
    uint64_t startup;         /* `used` once the server was ready */
    uint64_t clients_normal;  /* clients' query and output buffers */
    uint64_t overhead_tables; /* every database's key tables and TTL indexes */
    uint64_t overhead;        /* overhead.total */
    uint64_t keys;
    int clients;
};

/* The overhead of one database, for MEMORY STATS's db.N entries. */
struct memory_db_overhead {
    uint64_t main;    /* the key tables' buckets */
    uint64_t expires; /* the TTL indexes */
    uint64_t keys;
};

/* Fills *v and raises the peak to it. */
void memory_view_take(struct server *s, struct memory_view *v);
/* Called once the server is ready (startup) and by the cron (the peak,
 * sampled at most once a second: INFO and MEMORY sample it too). */
void memory_note_startup(struct server *s);
void memory_note_peak(struct server *s, uint64_t now_ms);
/* What the allocator holds now: cheap enough for the cron. */
uint64_t memory_used_now(void);

#ifdef __cplusplus
}
#endif
#endif
