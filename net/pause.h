/*
 * CLIENT PAUSE: while a pause is in force, the commands it covers (every
 * command for ALL; for WRITE, writes, PUBLISH and PFCOUNT, and an EXEC
 * whose queue holds one) wait in their connection's task, on every worker,
 * until CLIENT UNPAUSE or the deadline; the others run. Monitors are never
 * paused (Redis treats them as replicas). While paused, keys that expire are
 * not deleted, lazily or actively: they read as missing but stay, as in
 * Redis, so nothing a paused writer would have replicated changes.
 *
 * The state is two atomics read without a lock on every command; a pause
 * and its end are rare and go through the client registry's lock.
 */
#ifndef MAGPIE_NET_PAUSE_H
#define MAGPIE_NET_PAUSE_H

#include "core/compiler.h"
#include "net/reactor.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct server;
struct session;
struct command;

enum pause_type { PAUSE_NONE = 0, PAUSE_WRITE = 1, PAUSE_ALL = 2 };

struct client_pause {
    ATOMIC(int) type;        /* enum pause_type */
    ATOMIC(uint64_t) end_ms; /* monotonic; when the pause ends by itself */
    struct reactor_timer timer;
};

void pause_init(struct client_pause *p);

/* CLIENT PAUSE: the stricter type and the later end of this pause and the
 * one in force, as Redis merges them. */
void pause_clients(struct server *s, enum pause_type type, uint64_t end_ms);
/* CLIENT UNPAUSE, and the deadline: ends the pause and wakes every
 * connection waiting for it. */
void unpause_clients(struct server *s);

/* Whether the session's command must wait now (socketless sessions and
 * monitors never do; a command MULTI would queue does, as in Redis). */
bool pause_holds(struct server *s, const struct session *sess, const struct command *cmd);

#ifdef __cplusplus
}
#endif
#endif
