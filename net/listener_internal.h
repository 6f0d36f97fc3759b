/*
 * The listener's socket calls (net/listener_sockets.c), private to
 * net/listener.c: creating, binding and listening, with Redis's rules for
 * bind addresses. Nothing here knows about the reactor.
 */
#ifndef MAGPIE_NET_LISTENER_INTERNAL_H
#define MAGPIE_NET_LISTENER_INTERNAL_H

#include <stdbool.h>

/* A listening TCP socket on addr:port ("127.0.0.1", "::1", "*", "::*", a
 * host name), non-blocking; the fd, or -errno with *step naming the call
 * that failed. */
int listener__open_tcp(const char *addr, int port, int backlog, const char **step);
/* A listening unix socket at path (a stale one is removed first); the fd,
 * or -errno with *step naming the call (NULL: the path is too long). */
int listener__open_unix(const char *path, unsigned perm, int backlog, const char **step);
/* Errors that make a '-' bind address skipped rather than fatal. */
bool listener__optional_failure(int err);

#endif
