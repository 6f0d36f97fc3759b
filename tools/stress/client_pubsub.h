/*
 * The connections of --pubsub, for client.c's loop (internal to the
 * client): publishers PUBLISH numbered messages, subscribers receive them
 * until every acknowledged message arrived after the last publisher
 * finished.
 */
#ifndef MAGPIE_STRESS_CLIENT_PUBSUB_H
#define MAGPIE_STRESS_CLIENT_PUBSUB_H

#include "tools/stress/client.h"

/*
 * Gives connection `index` its role and (under --verify) log, and
 * subscribes a subscriber, waiting for the server's confirmations: it runs
 * before any thread starts, so every subscriber is subscribed before the
 * first PUBLISH. 0, or -errno with a message in err (an error reply to
 * SUBSCRIBE included).
 */
int client_pubsub_setup(struct client_thread *t, struct stress_conn *c, uint32_t index, char *err,
                        size_t err_size);
void client_pubsub_free(struct stress_conn *c);
bool client_pubsub_is_publisher(const struct stress_conn *c);
/* Whether a publisher sends now (a subscriber never does through here). */
bool client_pubsub_may_send(struct client_thread *t, struct stress_conn *c);
/* Appends a publisher's next PUBLISH. */
void client_pubsub_send(struct client_thread *t, struct stress_conn *c, uint64_t now);
/* Every turn of the loop, for a subscriber: the sabotage's steps, and
 * whether it still waits for messages (which keeps the loop going). */
bool client_pubsub_waiting(struct client_thread *t, struct stress_conn *c, uint64_t now);
/* A reply to a publisher, or a frame to a subscriber; false when the
 * connection must be closed. */
bool client_pubsub_on_reply(struct client_thread *t, struct stress_conn *c,
                            const struct stress_reply *r, uint64_t now);
/* Counts a publisher out once it stopped sending and has nothing in
 * flight, or died, adding its acknowledged messages to the run's. */
void client_pubsub_progress(struct client_thread *t, struct stress_conn *c, uint64_t now);

#endif
