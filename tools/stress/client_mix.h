/*
 * The connections of the --mix workload, for client.c's loop (internal to
 * the client): each request picks an operation and a key, and under --verify
 * goes to the connection's verify log. Also what a reply to each operation
 * may be, which the queue connections share.
 */
#ifndef MAGPIE_STRESS_CLIENT_MIX_H
#define MAGPIE_STRESS_CLIENT_MIX_H

#include "tools/stress/client.h"

/* Appends the connection's next request; intended_ns is its latency origin. */
void client_mix_send(struct client_thread *t, struct stress_conn *c, uint64_t intended_ns,
                     uint64_t now);
/* Records a reply that was not an error in the connection's verify log. */
void client_mix_log_verify(struct stress_conn *c, const struct inflight *req,
                           const struct stress_reply *r, uint64_t now);
/* Whether r is a reply operation `op` can give (an error reply aside). */
bool client_reply_expected(int op, const struct stress_reply *r);

#endif
