/*
 * Client-side caching (CLIENT TRACKING), as Redis 7.0 does it.
 *
 * Default mode: before a tracking client runs a read-only command, the keys
 * it reads are remembered in a table keyed by key name (for every database,
 * as Redis's), each with the clients that read it. A write to such a key, on
 * any worker, sends each of them one invalidation and forgets the key. BCAST
 * mode: clients register prefixes instead, and every write to a key under
 * one is announced, batched per command as Redis batches per event loop.
 * FLUSHDB / FLUSHALL send every tracking client a null invalidation.
 *
 * Invalidations come from the write hook (store/events.h), under the
 * written key's shard lock, so this module takes only locks ranked above
 * shard locks (the key table's stripes, the prefix list, the client list:
 * LOCK_CLASS_TRACKING; a client's port: LOCK_CLASS_INBOX) and hands
 * messages to connections only through their inboxes (net/inbox.h). While
 * no client tracks and no key is remembered, a write costs one relaxed load
 * and a read by a client that does not track costs a flag test.
 *
 * A client reaches the table through its port: a small refcounted object
 * that outlives the session, so a table entry never points at a freed
 * session (the port's session is cleared, under its lock, when it goes).
 */
#ifndef MAGPIE_NET_TRACKING_H
#define MAGPIE_NET_TRACKING_H

#include "core/compiler.h"
#include "proto/resp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct server;
struct session;
struct command;
struct tracking;
struct tracking_port;

/* A session's tracking flags, as CLIENT TRACKINGINFO and CLIENT LIST show. */
enum tracking_flags {
    TRACKING_ON = 1u << 0,
    TRACKING_BCAST = 1u << 1,
    TRACKING_OPTIN = 1u << 2,
    TRACKING_OPTOUT = 1u << 3,
    TRACKING_NOLOOP = 1u << 4,
    TRACKING_CACHING = 1u << 5, /* CLIENT CACHING yes|no, for the next command */
    TRACKING_BROKEN_REDIR = 1u << 6,
};

/* What a session keeps (net/session.h embeds it). */
struct session_tracking {
    /* Shared: written by the session's thread (BROKEN_REDIR also by any
     * thread that found the redirect target gone), read by CLIENT LIST. */
    ATOMIC(unsigned) flags;
    ATOMIC(long long) redirect; /* 0: none */
    /* Created on first use; its address never changes after. */
    ATOMIC(struct tracking_port *) port;
    /* BCAST prefixes (the session's thread only; the registry has copies). */
    char **prefixes;
    size_t *prefix_lens;
    int nprefixes;
};

#ifndef __cplusplus
static inline unsigned session_tracking_flags(const struct session_tracking *t)
{
    return atomic_load_explicit(&((struct session_tracking *)t)->flags, memory_order_relaxed);
}
#endif

/* The server's registry; NULL when out of memory. tracking_start registers
 * the write-hook observer (before the keyspace is shared). */
struct tracking *tracking_new(void);
void tracking_free(struct tracking *t);
int tracking_start(struct server *s);

/* A session leaves (or RESET): tracking off, its port detached, so no
 * invalidation reaches it afterwards and redirects to it are broken. */
void tracking_session_gone(struct session *s);
void tracking_disable(struct session *s);

/* Before a command runs on session s: remembers the keys a read-only
 * command reads when s tracks in default mode. */
void tracking_before_command(struct session *s, const struct command *cmd, int argc,
                             const struct resp_arg *argv);
/* After a client's command line (EXEC included) finished: sends the
 * BCAST batch and a FLUSH's null invalidation it caused, and clears
 * CLIENT CACHING unless the command was a CLIENT one. */
void tracking_after_command(struct session *s, const struct command *cmd);

/* INFO: tracking_clients, tracking_total_keys / _items / _prefixes. */
struct tracking_info {
    long clients, keys, items, prefixes;
};
void tracking_get_info(struct tracking *t, struct tracking_info *out);

/* The CLIENT subcommands (net/cmd_tracking.c). */
struct cmd_ctx;
void client_tracking(struct cmd_ctx *c);
void client_caching(struct cmd_ctx *c);
void client_getredir(struct cmd_ctx *c);
void client_trackinginfo(struct cmd_ctx *c);

#ifdef __cplusplus
}
#endif
#endif
