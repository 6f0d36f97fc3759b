/*
 * The listening sockets: TCP on every bind address, and optionally a unix
 * socket, all registered with the reactor. Accepting happens on the polling
 * thread (accept4, non-blocking and close-on-exec, TCP_NODELAY set), and each
 * new connection is handed to on_accept, which owns the fd from then on.
 *
 * When the process or system runs out of descriptors (EMFILE, ENFILE) the
 * listener stops accepting and retries after a pause on a reactor timer,
 * instead of spinning on a socket that stays readable. Nothing here knows
 * about clients or commands.
 */
#ifndef MAGPIE_NET_LISTENER_H
#define MAGPIE_NET_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#ifdef __cplusplus
extern "C" {
#endif

struct reactor;
struct listener;

/* A new connection: fd is non-blocking; peer is its address (AF_UNIX for the
 * unix socket). Runs on the polling thread. */
typedef void (*listener_accept_fn)(void *ctx, int fd, const struct sockaddr_storage *peer,
                                   socklen_t peer_len);

struct listener_config {
    /* Addresses as redis.conf writes them: "127.0.0.1", "::1", "*" (any IPv4),
     * "::*" (any IPv6); a leading '-' marks one that may be unavailable. */
    const char *const *binds;
    int bind_count;
    int port;                /* 0: do not listen on TCP */
    int backlog;             /* tcp-backlog */
    const char *unixsocket;  /* NULL or "": none */
    unsigned unixsocketperm; /* 0: leave the umask's mode */
    listener_accept_fn on_accept;
    void *ctx;
};

/* Opens every socket. *out is set before the first socket accepts, so that
 * commands from the first clients can reach the listener. On failure returns
 * -errno, sets *out to NULL and writes a message like redis-server's into
 * err; nothing stays open. */
int listener_open(struct reactor *r, const struct listener_config *config, struct listener **out,
                  char *err, size_t errlen);
/* Stops accepting: the sockets are closed through the reactor (deferred) and
 * the unix socket path is removed. From any thread. */
void listener_close(struct listener *l);
/* Frees the listener after listener_close, once the reactor is freed. */
void listener_free(struct listener *l);

/* CONFIG SET port: opens the TCP sockets of every bind address on the new
 * port (0: none), then closes the old ones; connections already accepted
 * stay, the unix socket is kept. On failure nothing changes, -errno returns
 * and err says why. From any thread. */
int listener_set_port(struct listener *l, int port, char *err, size_t errlen);
/* The TCP port listened on (0: none). */
int listener_port(const struct listener *l);

/* Sockets listening (TCP and unix). */
int listener_count(struct listener *l);
/* Accepts refused for lack of descriptors (stats: rejected_connections is
 * counted by the owner; this counts pauses). */
unsigned long listener_pauses(const struct listener *l);

#ifdef __cplusplus
}
#endif
#endif
