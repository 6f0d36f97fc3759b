/*
 * One non-blocking connection of the load generator: its output buffer of
 * pipelined requests, its input buffer of replies, and the ring of requests
 * in flight (replies come back in request order, so the oldest entry of the
 * ring is what the next reply answers). No policy here: which requests to
 * send and what a reply means is client.c's business.
 */
#ifndef MAGPIE_STRESS_CONN_H
#define MAGPIE_STRESS_CONN_H

#include "tools/stress/queue.h"
#include "tools/stress/reply_parser.h"
#include "tools/stress/request.h"

#include <stdbool.h>
#include <stdint.h>

struct verify_log;
struct pubsub_conn;
struct transfer_conn;

struct inflight {
    uint64_t key;
    uint64_t intended_ns; /* latency origin: the intended send time (--rate) or send_ns */
    uint64_t send_ns;
    uint64_t tag;         /* --verify: the SET's sequence number, or the request's order;
                             --queue: the push's sequence number; --pubsub: the
                             message's; --transfer: the step of the transaction */
    int op;               /* enum stress_op */
    bool after_producers; /* --queue: a pop sent once every producer had finished */
};

struct stress_conn {
    int fd;
    uint32_t id;   /* client id over the whole run; the --verify writer id */
    bool dead;     /* closed after an error; its in-flight requests are lost */
    bool want_out; /* EPOLLOUT is armed */
    struct bytebuf out;
    size_t out_sent; /* bytes of out already written */
    struct bytebuf in;
    size_t in_start; /* bytes of in already parsed */
    struct inflight *ring;
    uint32_t ring_cap, ring_head, ring_count;
    uint64_t next_intended_ns; /* --rate: the next request's slot */
    struct verify_log *vlog;   /* --verify only */

    /* --queue (role QUEUE_ROLE_NONE otherwise); see client_queue.c. */
    enum queue_role role;
    uint32_t role_id;       /* producer or consumer id */
    uint64_t turn;          /* pushes or pops sent so far */
    uint32_t nil_streak;    /* consumer: nil replies in a row to pops sent after the end */
    bool finished;          /* producer: counted out; consumer: stopped popping */
    struct queue_log *qlog; /* --verify only */

    /* --pubsub and --transfer: the connection's part of the workload, owned
     * by client_pubsub.c and client_transfer.c (NULL otherwise). */
    struct pubsub_conn *pubsub;
    struct transfer_conn *transfer;
};

/* Takes ownership of fd (made non-blocking). 0 or -ENOMEM. */
int conn_init(struct stress_conn *c, int fd, uint32_t id, int pipeline);
void conn_close(struct stress_conn *c);
void conn_free(struct stress_conn *c);

static inline bool conn_window_full(const struct stress_conn *c)
{
    return c->ring_count == c->ring_cap;
}
/* Reserves the next in-flight slot (the window must not be full). */
struct inflight *conn_push(struct stress_conn *c);
/* The oldest in-flight request, removed; NULL when none. */
bool conn_pop(struct stress_conn *c, struct inflight *out);

/* Writes what it can: 0 when everything was written, 1 when the socket is
 * full (arm EPOLLOUT), -errno on error. */
int conn_flush(struct stress_conn *c);
static inline bool conn_has_output(const struct stress_conn *c)
{
    return c->out_sent < c->out.len;
}

/* Reads everything available: >0 bytes read, 0 nothing (EAGAIN), -ECONNRESET
 * on EOF, -errno on error. */
long conn_read(struct stress_conn *c);
/* The next complete reply in the input buffer: 1 with *out filled (valid
 * until the next conn_read), 0 when none, -EPROTO. */
int conn_next_reply(struct stress_conn *c, struct stress_reply *out);

#endif
