/*
 * A blocking, one-connection RESP client for the set-up and the final
 * checks of a run (deleting the verify keys, reading the counters back):
 * send a batch of pipelined commands, then read their replies one by one.
 * Also home of stress_connect(), which every connection uses to get a socket.
 */
#ifndef MAGPIE_STRESS_SYNC_CLIENT_H
#define MAGPIE_STRESS_SYNC_CLIENT_H

#include "tools/stress/reply_parser.h"
#include "tools/stress/request.h"

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A connected TCP socket to host:port, with TCP_NODELAY, blocking. Returns
 * the fd, or -errno with a message ("cannot connect to 127.0.0.1:6379:
 * Connection refused") in err.
 */
int stress_connect(const char *host, int port, char *err, size_t err_size);

struct sync_client {
    int fd;
    struct bytebuf in;
    size_t in_start;
};

/* 0 or -errno (message in err). Replies time out after timeout_ms. */
int sync_client_open(struct sync_client *c, const char *host, int port, int timeout_ms, char *err,
                     size_t err_size);
void sync_client_close(struct sync_client *c);
/* Writes all of buf; 0 or -errno. */
int sync_client_send(struct sync_client *c, const void *buf, size_t len);
/*
 * Reads the next reply: 0 with *out valid until the next call, -EPROTO when
 * the server sent something that is not RESP, -ETIMEDOUT, -ECONNRESET on
 * EOF, or another -errno.
 */
int sync_client_reply(struct sync_client *c, struct stress_reply *out);

#ifdef __cplusplus
}
#endif
#endif
