#include "tools/stress/conn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_CHUNK 65536

int conn_init(struct stress_conn *c, int fd, uint32_t id, int pipeline)
{
    memset(c, 0, sizeof(*c));
    c->fd = fd;
    c->id = id;
    c->ring_cap = (uint32_t)pipeline;
    c->ring = calloc((size_t)pipeline, sizeof(*c->ring));
    if (!c->ring) {
        close(fd);
        c->fd = -1;
        return -ENOMEM;
    }
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    return 0;
}

void conn_close(struct stress_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    c->dead = true;
}

void conn_free(struct stress_conn *c)
{
    conn_close(c);
    bytebuf_free(&c->out);
    bytebuf_free(&c->in);
    free(c->ring);
    c->ring = NULL;
}

struct inflight *conn_push(struct stress_conn *c)
{
    if (conn_window_full(c))
        abort();
    uint32_t slot = (c->ring_head + c->ring_count) % c->ring_cap;
    c->ring_count++;
    return &c->ring[slot];
}

bool conn_pop(struct stress_conn *c, struct inflight *out)
{
    if (c->ring_count == 0)
        return false;
    *out = c->ring[c->ring_head];
    c->ring_head = (c->ring_head + 1) % c->ring_cap;
    c->ring_count--;
    return true;
}

int conn_flush(struct stress_conn *c)
{
    while (c->out_sent < c->out.len) {
        ssize_t n = send(c->fd, c->out.data + c->out_sent, c->out.len - c->out_sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return 1;
            return -errno;
        }
        c->out_sent += (size_t)n;
    }
    c->out.len = 0;
    c->out_sent = 0;
    return 0;
}

long conn_read(struct stress_conn *c)
{
    long total = 0;
    for (;;) {
        if (c->in_start == c->in.len) {
            c->in.len = 0;
            c->in_start = 0;
        } else if (c->in_start > c->in.cap / 2) {
            bytebuf_consume(&c->in, c->in_start);
            c->in_start = 0;
        }
        if (bytebuf_reserve(&c->in, READ_CHUNK) < 0)
            return -ENOMEM;
        ssize_t n = recv(c->fd, c->in.data + c->in.len, c->in.cap - c->in.len, 0);
        if (n > 0) {
            c->in.len += (size_t)n;
            total += n;
            continue;
        }
        if (n == 0)
            return total ? total : -ECONNRESET;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN)
            return total;
        return -errno;
    }
}

int conn_next_reply(struct stress_conn *c, struct stress_reply *out)
{
    long n = stress_reply_parse(c->in.data + c->in_start, c->in.len - c->in_start, out);
    if (n < 0)
        return -EPROTO;
    if (n == 0)
        return 0;
    c->in_start += (size_t)n;
    return 1;
}
