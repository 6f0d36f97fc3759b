/*
 * A session's inbox: messages other threads hand it (pub/sub deliveries
 * now; invalidations and MONITOR lines later), queued for the session's own
 * task, which alone writes its output chain. Many producers, one consumer,
 * no lock: producers push onto a stack with a compare-and-swap, the
 * consumer takes the whole stack at once and reverses it, so messages leave
 * in the order they were pushed (one publisher's messages keep their order).
 * Message bytes are refcounted and shared by every inbox they are in.
 */
#ifndef MAGPIE_NET_INBOX_H
#define MAGPIE_NET_INBOX_H

#include "core/compiler.h"
#include "proto/reply.h"
#include "store/pubsub.h"

#include <stdbool.h>
#include <stdint.h>

struct inbox_item;

struct inbox {
    ATOMIC(struct inbox_item *) head; /* newest first */
    ATOMIC(uint64_t) bytes;           /* what the queued messages would add to the output */
};

void inbox_init(struct inbox *in);
/* Drops whatever is still queued (no producer may push any more). */
void inbox_destroy(struct inbox *in);

/* Queues a pub/sub message (taking references to its bytes). False when
 * out of memory (the message is lost for this receiver). Any thread. */
bool inbox_push_message(struct inbox *in, const struct pubsub_message *m);

/* The same for a publisher's delivery: a channel or shard message with a
 * payload under INBOX_FRAMED_MAX is framed for the wire once, into
 * m->framed, by the first delivery of the publish, and every subscriber
 * queues a reference to those bytes (one reference and no encoding per
 * subscriber; RESP2 and RESP3 frames differ only in their first byte,
 * written at drain time by the subscriber's protocol then). Pattern
 * messages, big payloads and a frame that cannot be allocated go through
 * inbox_push_message. */
#define INBOX_FRAMED_MAX 4096
bool inbox_push_delivery(struct inbox *in, struct pubsub_message *m);

/* Queues bytes already framed for the wire (a MONITOR line, "+...\r\n"),
 * taking a reference. False when out of memory. Any thread. */
bool inbox_push_raw(struct inbox *in, struct bytes *raw);

#ifndef __cplusplus
static inline bool inbox_empty(const struct inbox *in)
{
    return atomic_load_explicit(&((struct inbox *)in)->head, memory_order_relaxed) == NULL;
}

static inline uint64_t inbox_bytes(const struct inbox *in)
{
    return atomic_load_explicit(&((struct inbox *)in)->bytes, memory_order_relaxed);
}
#endif

/* The consumer: writes every queued item to r, oldest first (messages as
 * RESP2 arrays or RESP3 pushes, per r's protocol; raw bytes as they are).
 * Returns how many. */
int inbox_drain(struct inbox *in, struct reply *r);

/* Writes one pub/sub message to r, as Redis frames it. */
void reply_pubsub_message(struct reply *r, const struct pubsub_message *m);

#endif
