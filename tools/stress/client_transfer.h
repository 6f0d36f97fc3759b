/*
 * The connections of --transfer, for client.c's loop (internal to the
 * client): movers move amounts between accounts in transactions, readers
 * sum every account inside MULTI..EXEC until the movers finished.
 */
#ifndef MAGPIE_STRESS_CLIENT_TRANSFER_H
#define MAGPIE_STRESS_CLIENT_TRANSFER_H

#include "tools/stress/client.h"

/* The in-flight requests connection `index` needs: whole transactions,
 * --pipeline of them (one for a --transfer-watch mover). */
int client_transfer_window(const struct stress_options *o, uint32_t index);
/* Gives connection `index` its role and (under --verify) log. 0 or -ENOMEM. */
int client_transfer_setup(struct client_thread *t, struct stress_conn *c, uint32_t index);
void client_transfer_free(struct stress_conn *c);
bool client_transfer_is_mover(const struct stress_conn *c);
/* Whether the connection starts a transaction now (it has one to make, and
 * room for all its requests). */
bool client_transfer_may_send(struct client_thread *t, struct stress_conn *c);
/* Whether it has transactions still to make, even if it cannot start one
 * now (which keeps the loop going). */
bool client_transfer_waiting(struct client_thread *t, struct stress_conn *c);
/* Appends the connection's next transaction (a --transfer-watch mover: its
 * WATCH and GETs; the rest follows their replies). */
void client_transfer_send(struct client_thread *t, struct stress_conn *c, uint64_t now);
/* A reply; false when the connection must be closed. */
bool client_transfer_on_reply(struct client_thread *t, struct stress_conn *c,
                              const struct stress_reply *r, uint64_t now);
/* req's reply will never come: the connection is lost. */
void client_transfer_on_lost(struct stress_conn *c, const struct inflight *req);
/* Counts a mover out once it stopped and has nothing in flight, or died. */
void client_transfer_progress(struct client_thread *t, struct stress_conn *c, uint64_t now);

#endif
