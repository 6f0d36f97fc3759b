/*
 * Loading the dataset at start-up, with the listener already open, as
 * Redis does: clients may connect while an RDB file or the append-only file
 * is read, and every command not marked for it (CMD_LOADING: INFO, CONFIG,
 * SUBSCRIBE, ...) answers -LOADING until the data is in. INFO persistence
 * shows loading:1 and how far the load has come.
 *
 * One loader (the main thread, in server_start) writes; anyone reads.
 *
 * A shutdown asked for meanwhile (SIGTERM, SIGINT, SHUTDOWN: the main
 * thread's pending signal) stops the load where it is, as Redis exits
 * without saving then: the progress calls tell the loader to stop.
 */
#ifndef MAGPIE_NET_LOADING_H
#define MAGPIE_NET_LOADING_H

#include "core/compiler.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct text;

#define LOADING_ERROR "LOADING Redis is loading the dataset in memory"

struct loading {
    ATOMIC(bool) active;
    ATOMIC(int64_t) start_unix; /* seconds */
    ATOMIC(uint64_t) total_bytes, loaded_bytes;
    uint64_t done_before; /* the loader's: bytes of the files it finished */
    bool stopped;         /* the loader's: a shutdown stopped the load */
};

/* The load starts (before the listener opens). */
void loading_begin(struct loading *l);
/* What a stopped load's error says. */
#define LOADING_INTERRUPTED "Loading interrupted"

/* The loader knows what it will read (the size of every file) and is about
 * to read it. Under MAGPIE_LOADING_HOLD_MS (tests) it first waits that long,
 * so that a test can watch a load; a shutdown ends the wait. False: stop
 * (loading_stopped). */
bool loading_reads(struct loading *l, uint64_t total_bytes);
/* The loader has read `bytes` of the file it is on. False: stop, a
 * shutdown was asked for (loading_stopped). */
bool loading_progress(struct loading *l, uint64_t bytes);
/* The same as an rdb_progress function (store/rdb.h); ctx: the loading. */
bool loading_rdb_progress(void *ctx, uint64_t parsed);
/* Whether a shutdown stopped the load (the loader's thread). */
bool loading_stopped(const struct loading *l);
/* It finished a file of that size (the next one's progress counts on). */
void loading_file_done(struct loading *l, uint64_t bytes);
void loading_end(struct loading *l);

#ifndef __cplusplus
static inline bool loading_active(const struct loading *l)
{
    return atomic_load_explicit(&((struct loading *)l)->active, memory_order_acquire);
}
#endif

/* INFO persistence's loading_* lines, printed while a load runs. */
void loading_info(const struct loading *l, struct text *t);

#ifdef __cplusplus
}
#endif
#endif
