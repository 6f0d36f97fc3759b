/*
 * What the client-tracking files share (net/tracking*.c); nothing else
 * includes this.
 */
#ifndef MAGPIE_NET_TRACKING_INTERNAL_H
#define MAGPIE_NET_TRACKING_INTERNAL_H

#include "net/tracking.h"

#include "core/bytes.h"
#include "core/lock.h"
#include "store/table.h"

#define TRACKING_STRIPES         64
#define TRACKING_LIST_LOCK_INDEX TRACKING_STRIPES

/*
 * A tracking client as the table and the deliverers see it. refs: one for
 * the session, one per table entry, prefix and list slot that holds it, and
 * one for each port that redirects to it. Everything below `lock` is
 * guarded by it (LOCK_CLASS_INBOX, index = client id).
 */
struct tracking_port {
    ATOMIC(long) refs;
    uint64_t id;
    struct lock lock;
    struct session *session;        /* NULL once the session left */
    unsigned flags;                 /* the session's TRACKING_* flags */
    struct tracking_port *redirect; /* a reference, or NULL */
    long long redirect_id;
};

struct key_stripe {
    struct lock lock;
    struct table keys; /* name -> struct tracked_key */
} CACHE_ALIGNED;

/* A BCAST prefix and the ports registered on it. */
struct tracking_prefix {
    char *bytes;
    size_t len;
    struct tracking_port **ports;
    uint32_t nports, cap;
};

struct tracking {
    struct server *server;
    struct key_stripe stripes[TRACKING_STRIPES];
    /* Clients with tracking on plus remembered keys plus prefixes: zero
     * means a write has nothing to look up. */
    ATOMIC(long) live;
    ATOMIC(long) clients, keys, items, nprefixes;
    ATOMIC(uint32_t) evict_cursor;
    /* Ports with tracking on, and the prefixes sorted by their bytes (as
     * Redis's radix tree orders them), under list_lock. */
    struct lock list_lock;
    struct tracking_port **on;
    uint32_t non, on_cap;
    struct tracking_prefix *prefixes;
    uint32_t prefixes_cap;
};

/* A closing session's port slot: no port may be made for it any more (a
 * REDIRECT racing its close then finds no client). */
#define TRACKING_PORT_GONE ((struct tracking_port *)1)

/* Ports (net/tracking.c). */
struct tracking_port *tracking_port_ref(struct tracking_port *p);
void tracking_port_unref(struct tracking_port *p);
/* The session's port, created on first use; NULL when out of memory or
 * once the session is closing. */
struct tracking_port *tracking_port_of(struct session *s);

/* Invalidations, built once and shared by every receiver. */
struct tracking_message {
    const char *const *keys; /* NULL: a FLUSH (null) */
    const size_t *lens;
    size_t nkeys;
    uint64_t writer;         /* a NOLOOP client that wrote it gets nothing (0: none) */
    struct bytes *framed[2]; /* [0] RESP3 push, [1] RESP2 pub/sub message; built lazily */
};
void tracking_message_free(struct tracking_message *m);
/* Hands one invalidation to a port's client (or its redirect target). */
void tracking_deliver(struct tracking_port *p, struct tracking_message *m);

/* The writer of the change being announced on this thread (NOLOOP), and
 * whether a client command is running on it (BCAST batches, FLUSH). */
uint64_t tracking_current_writer(void);
bool tracking_in_command(void);

/* The key table (net/tracking_table.c). */
void tracking_table_init(struct tracking *t);
void tracking_table_destroy(struct tracking *t);
int tracking_table_remember(struct tracking *t, struct tracking_port *p, const char *key,
                            size_t len);
void tracking_table_invalidate(struct tracking *t, const char *key, size_t len, uint64_t writer);
void tracking_table_clear(struct tracking *t);
void tracking_table_limit(struct tracking *t, long long max_keys);

/* BCAST (net/tracking_bcast.c). */
int tracking_prefix_add(struct tracking *t, struct tracking_port *p, const char *bytes, size_t len);
void tracking_prefix_remove(struct tracking *t, struct tracking_port *p, const char *bytes,
                            size_t len);
void tracking_bcast_key(struct tracking *t, const char *key, size_t len, uint64_t writer);
/* Sends what this thread batched. */
void tracking_bcast_flush(void);
void tracking_prefixes_destroy(struct tracking *t);

#endif
