/*
 * The slow log (net/slowlog.h): a list of entries, newest first, under one
 * lock that only logging and the SLOWLOG command take.
 */
#include "net/slowlog.h"
#include "net/redact.h"

#include "core/alloc.h"
#include "core/lock.h"

#include <stdio.h>
#include <string.h>

/* One entry, in a single allocation: the struct, then argc resp_args, then
 * their bytes, the peer and the name (NUL-terminated). */
struct slowlog_entry {
    struct slowlog_entry *newer, *older;
    long long id;
    int64_t unix_seconds;
    long long duration_us;
    int argc;
    const char *peer;
    const char *name;
    struct resp_arg argv[];
};

/* Every field but the lock is guarded by it. */
struct slowlog {
    struct lock lock;
    struct slowlog_entry *newest;
    struct slowlog_entry *oldest;
    ATOMIC(size_t) len; /* also read without the lock, by slowlog_trim */
    long long next_id;
};

struct slowlog *slowlog_new(void)
{
    struct slowlog *log = mem_calloc(1, sizeof(*log));
    if (log)
        lock_init(&log->lock, LOCK_CLASS_SLOWLOG, 0);
    return log;
}

static void free_entries(struct slowlog_entry *e)
{
    while (e) {
        struct slowlog_entry *older = e->older;
        mem_free(e);
        e = older;
    }
}

void slowlog_free(struct slowlog *log)
{
    if (!log)
        return;
    free_entries(log->newest);
    lock_destroy(&log->lock);
    mem_free(log);
}

/* The text one argument is kept as, written at `to` when not NULL; returns
 * its length. Redis keeps the first 128 bytes and says how many it left out. */
static size_t kept_arg(const struct resp_arg *a, bool redacted, char *to)
{
    char tail[64];
    const char *head = a->ptr;
    size_t head_len = a->len, tail_len = 0;
    if (redacted) {
        head = REDACTED_ARGUMENT;
        head_len = strlen(REDACTED_ARGUMENT);
    } else if (a->len > SLOWLOG_ENTRY_MAX_STRING) {
        head_len = SLOWLOG_ENTRY_MAX_STRING;
        tail_len = (size_t)snprintf(tail, sizeof(tail), "... (%zu more bytes)",
                                    a->len - SLOWLOG_ENTRY_MAX_STRING);
    }
    if (to) {
        memcpy(to, head, head_len);
        memcpy(to + head_len, tail, tail_len);
    }
    return head_len + tail_len;
}

/* Builds an entry (id 0) outside any lock; NULL when out of memory. The
 * 32nd slot of a longer command line says how many arguments were left out. */
static struct slowlog_entry *entry_new(int argc, const struct resp_arg *argv, const bool *redacted,
                                       const struct slowlog_origin *origin)
{
    int kept = argc > SLOWLOG_ENTRY_MAX_ARGC ? SLOWLOG_ENTRY_MAX_ARGC : argc;
    char more[64];
    size_t more_len = 0;
    if (kept != argc)
        more_len = (size_t)snprintf(more, sizeof(more), "... (%d more arguments)", argc - kept + 1);
    size_t bytes = 0;
    for (int j = 0; j < kept; j++)
        bytes += kept == argc || j < kept - 1 ? kept_arg(&argv[j], redacted && redacted[j], NULL)
                                              : more_len;
    size_t peer_len = strlen(origin->peer), name_len = strlen(origin->name);
    struct slowlog_entry *e = mem_alloc(sizeof(*e) + (size_t)kept * sizeof(struct resp_arg) +
                                        bytes + peer_len + 1 + name_len + 1);
    if (!e)
        return NULL;
    char *p = (char *)&e->argv[kept];
    for (int j = 0; j < kept; j++) {
        size_t n;
        if (kept == argc || j < kept - 1) {
            n = kept_arg(&argv[j], redacted && redacted[j], p);
        } else {
            memcpy(p, more, more_len);
            n = more_len;
        }
        e->argv[j] = (struct resp_arg){.ptr = p, .len = n};
        p += n;
    }
    e->peer = memcpy(p, origin->peer, peer_len + 1);
    p += peer_len + 1;
    e->name = memcpy(p, origin->name, name_len + 1);
    e->argc = kept;
    e->unix_seconds = origin->unix_seconds;
    e->duration_us = origin->duration_us;
    e->newer = e->older = NULL;
    return e;
}

/* Unlinks the entries past max_len; returns the newest of them (a chain
 * towards older ones) for the caller to free outside the lock. */
static struct slowlog_entry *do_cut_tail(struct slowlog *log, long long max_len)
{
    size_t len = atomic_load_explicit(&log->len, memory_order_relaxed);
    size_t keep = max_len < 0 ? 0 : (unsigned long long)max_len > len ? len : (size_t)max_len;
    if (keep == len)
        return NULL;
    struct slowlog_entry *first_dropped = log->oldest;
    for (size_t i = len - 1; i > keep; i--)
        first_dropped = first_dropped->newer;
    log->oldest = first_dropped->newer;
    if (log->oldest)
        log->oldest->older = NULL;
    else
        log->newest = NULL;
    first_dropped->newer = NULL;
    atomic_store_explicit(&log->len, keep, memory_order_relaxed);
    return first_dropped;
}

void slowlog_push(struct slowlog *log, long long max_len, int argc, const struct resp_arg *argv,
                  const bool *redacted, const struct slowlog_origin *origin)
{
    struct slowlog_entry *e = entry_new(argc, argv, redacted, origin);
    if (!e) {
        slowlog_trim(log, max_len);
        return;
    }
    struct slowlog_entry *dropped = NULL;
    LOCK_GUARD (&log->lock) {
        e->id = log->next_id++;
        e->older = log->newest;
        if (log->newest)
            log->newest->newer = e;
        else
            log->oldest = e;
        log->newest = e;
        atomic_store_explicit(&log->len, atomic_load_explicit(&log->len, memory_order_relaxed) + 1,
                              memory_order_relaxed);
        dropped = do_cut_tail(log, max_len);
    }
    free_entries(dropped); /* outside the lock */
}

void slowlog_trim(struct slowlog *log, long long max_len)
{
    /* Relaxed: a stale length only delays the trim to a later command. */
    if (max_len >= 0 && atomic_load_explicit(&log->len, memory_order_relaxed) <= (size_t)max_len)
        return;
    struct slowlog_entry *dropped = NULL;
    LOCK_GUARD (&log->lock)
        dropped = do_cut_tail(log, max_len);
    free_entries(dropped);
}

size_t slowlog_len(struct slowlog *log)
{
    size_t len = 0;
    LOCK_GUARD (&log->lock)
        len = atomic_load_explicit(&log->len, memory_order_relaxed);
    return len;
}

void slowlog_reset(struct slowlog *log)
{
    struct slowlog_entry *all = NULL;
    LOCK_GUARD (&log->lock) {
        all = log->newest;
        log->newest = log->oldest = NULL;
        atomic_store_explicit(&log->len, 0, memory_order_relaxed);
    }
    free_entries(all);
}

void slowlog_reply(struct slowlog *log, struct reply *r, long long count)
{
    LOCK_GUARD (&log->lock) {
        size_t len = atomic_load_explicit(&log->len, memory_order_relaxed);
        size_t n = count < 0 || (unsigned long long)count > len ? len : (size_t)count;
        reply_array(r, n);
        struct slowlog_entry *e = log->newest;
        for (size_t i = 0; i < n; i++, e = e->older) {
            reply_array(r, 6);
            reply_int(r, e->id);
            reply_int(r, e->unix_seconds);
            reply_int(r, e->duration_us);
            reply_array(r, (size_t)e->argc);
            for (int j = 0; j < e->argc; j++)
                reply_bulk(r, e->argv[j].ptr, e->argv[j].len);
            reply_bulk_cstr(r, e->peer);
            reply_bulk_cstr(r, e->name);
        }
    }
}
