#include "tools/stress/sync_client.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int stress_connect(const char *host, int port, char *err, size_t err_size)
{
    struct addrinfo hints = {0}, *list = NULL;
    char service[16];
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof(service), "%d", port);
    int rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0) {
        snprintf(err, err_size, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -EHOSTUNREACH;
    }
    int fd = -1, last_errno = ECONNREFUSED;
    for (struct addrinfo *ai = list; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) {
            last_errno = errno;
            continue;
        }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
            break;
        last_errno = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(list);
    if (fd < 0) {
        snprintf(err, err_size, "cannot connect to %s:%d: %s", host, port, strerror(last_errno));
        return -last_errno;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

int sync_client_open(struct sync_client *c, const char *host, int port, int timeout_ms, char *err,
                     size_t err_size)
{
    memset(c, 0, sizeof(*c));
    c->fd = stress_connect(host, port, err, err_size);
    if (c->fd < 0)
        return c->fd;
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    return 0;
}

void sync_client_close(struct sync_client *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    bytebuf_free(&c->in);
}

int sync_client_send(struct sync_client *c, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? -ETIMEDOUT : -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int sync_client_reply(struct sync_client *c, struct stress_reply *out)
{
    if (bytebuf_reserve(&c->in, 1) < 0) /* never parse from a NULL buffer */
        return -ENOMEM;
    for (;;) {
        long n = stress_reply_parse(c->in.data + c->in_start, c->in.len - c->in_start, out);
        if (n < 0)
            return -EPROTO;
        if (n > 0) {
            c->in_start += (size_t)n; /* *out points before in_start: still valid */
            return 0;
        }
        if (c->in_start) {
            bytebuf_consume(&c->in, c->in_start);
            c->in_start = 0;
        }
        if (bytebuf_reserve(&c->in, 16384) < 0)
            return -ENOMEM;
        ssize_t got = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
        if (got == 0)
            return -ECONNRESET;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? -ETIMEDOUT : -errno;
        }
        c->in.len += (size_t)got;
    }
}
