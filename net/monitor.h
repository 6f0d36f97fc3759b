/*
 * MONITOR: every command any client runs, on every worker, shown to the
 * clients that asked as one line in Redis's format:
 *
 *   +1700000000.123456 [0 127.0.0.1:5000] "SET" "k" "v"
 *
 * (unix time with microseconds, the database after the command, the
 * client's address or "unix:<socket path>", the arguments quoted as Redis's
 * sdscatrepr quotes them). The line is built once and its bytes are shared
 * by every monitor's inbox (net/inbox.h); each monitor's own task writes it
 * out. While nobody monitors, feeding costs one relaxed load.
 *
 * A monitor is a normal client for client-output-buffer-limit: one that
 * reads too slowly is disconnected past the normal class's limits.
 */
#ifndef MAGPIE_NET_MONITOR_H
#define MAGPIE_NET_MONITOR_H

#include "core/compiler.h"
#include "core/lock.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct session;
struct command;

struct monitors {
    struct lock lock;
    struct session *head; /* guarded by lock */
    ATOMIC(int) count;
};

void monitors_init(struct monitors *m);
void monitors_destroy(struct monitors *m);

/* MONITOR: adds the session (which has a socket) to the list. */
void monitor_start(struct session *s);
/* RESET, and a connection that closes: leaves the list; no line reaches
 * the session afterwards. No-op for a session that is not a monitor. */
void monitor_stop(struct session *s);
/* After each command a session ran (net/session.c): shows it to every
 * monitor, unless it is an admin or skip_monitor command. */
void monitor_feed(struct session *s, const struct command *cmd);

/* Appends `len` bytes at `p` quoted as Redis's sdscatrepr does ("a\n" ->
 * "\"a\\n\""), into buf when not NULL; returns the quoted length. */
size_t monitor_quote(char *buf, const char *p, size_t len);

#ifdef __cplusplus
}
#endif
#endif
