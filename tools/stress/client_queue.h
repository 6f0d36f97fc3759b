/*
 * The connections of --queue, for client.c's loop (internal to the client):
 * producers push items, consumers pop them until the queues are provably
 * empty after the last producer finished.
 */
#ifndef MAGPIE_STRESS_CLIENT_QUEUE_H
#define MAGPIE_STRESS_CLIENT_QUEUE_H

#include "tools/stress/client.h"

/* Gives connection `index` its role, id and (under --verify) log. */
void client_queue_setup(struct client_thread *t, struct stress_conn *c, uint32_t index);
/* Whether a consumer sends now; may finish it (Ctrl-C, or draining too long). */
bool client_queue_consumer_may_send(struct client_thread *t, struct stress_conn *c, uint64_t now);
/* Appends the connection's next push or pop. */
void client_queue_send(struct client_thread *t, struct stress_conn *c, uint64_t now);
/* Handles the reply to req; `error` when it was an error or an unexpected type. */
void client_queue_on_reply(struct client_thread *t, struct stress_conn *c,
                           const struct inflight *req, const struct stress_reply *r, bool error,
                           uint64_t now);
/* req's reply will never come: the connection is lost. */
void client_queue_on_lost(struct stress_conn *c, const struct inflight *req);
/* Counts a producer out once it stopped sending and has nothing in flight,
 * or died; the last one out publishes producers_done_ns. */
void client_queue_producer_progress(struct client_thread *t, struct stress_conn *c, uint64_t now);

#endif
