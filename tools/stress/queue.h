/*
 * The queue workload (--queue P:C), its pure parts: which connections
 * produce and which consume, the queue keys ("queue:<n>", apart from every
 * key of --mix), where each item goes, and the pop requests and replies.
 * Producers LPUSH; consumers pop from the tail, with a BRPOP over every queue
 * key (waiting STRESS_BRPOP_TIMEOUT at most) or an RPOP of one key at a time,
 * retried on nil. The connections' behaviour lives in client_queue.c, the run
 * around them (clearing the keys, the final drain, the sabotage) in
 * queue_run.c.
 */
#ifndef MAGPIE_STRESS_QUEUE_H
#define MAGPIE_STRESS_QUEUE_H

#include "tools/stress/reply_parser.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QUEUE_KEYS_MAX     1024
#define QUEUE_ROLE_MAX     10000 /* producers, and consumers */
#define QUEUE_KEY_NAME_MAX 24

enum queue_pop_mode { QUEUE_POP_BRPOP, QUEUE_POP_RPOP };

struct queue_spec {
    int producers; /* 0: no queue workload */
    int consumers;
    int keys;
    enum queue_pop_mode pop;
    bool sabotage; /* the negative control: DEL a queue mid-run */
};

/* Parses "P:C" (each 1..QUEUE_ROLE_MAX). 0 or -EINVAL. */
int queue_spec_parse(const char *text, int *producers, int *consumers);
/* "brpop" or "rpop"; 0 or -EINVAL. */
int queue_pop_mode_parse(const char *text, enum queue_pop_mode *out);
const char *queue_pop_mode_name(enum queue_pop_mode mode);

enum queue_role { QUEUE_ROLE_NONE, QUEUE_ROLE_PRODUCER, QUEUE_ROLE_CONSUMER };

/*
 * The role of connection `index` (0 .. producers + consumers - 1), and its
 * producer or consumer id (dense, from 0). Producers are spread evenly over
 * the indexes, so the threads, which take consecutive indexes, each get
 * their share of both roles.
 */
enum queue_role queue_role_of(const struct queue_spec *spec, uint32_t index, uint32_t *id);

/* "queue:<n>"; its length. */
size_t queue_key_name(uint32_t n, char out[QUEUE_KEY_NAME_MAX]);
/* The n of a "queue:<n>" with n < keys; -EINVAL when it is not one. */
int queue_key_index(const char *name, size_t len, uint32_t keys, uint32_t *out);
/* The queue of producer's push `seq`: round robin, each producer starting
 * at its own offset, so every producer writes every queue. */
uint32_t queue_of_push(const struct queue_spec *spec, uint32_t producer, uint64_t seq);

/*
 * The arguments of a consumer's pop number `turn` (its count of pops so
 * far): BRPOP every queue key, starting at a different one each turn so no
 * queue is favoured, then the timeout; or RPOP of queue turn % keys. names
 * holds the key names (spec->keys of them); argv and lens have room for
 * spec->keys + 2. Returns the argument count; *queue is the key popped by
 * RPOP (unused by BRPOP, whose reply names it).
 */
int queue_pop_args(const struct queue_spec *spec, uint64_t turn, char (*names)[QUEUE_KEY_NAME_MAX],
                   const char **argv, size_t *lens, uint32_t *queue);

enum queue_pop_outcome {
    QUEUE_POPPED, /* *queue, *item, *item_len are set */
    QUEUE_EMPTY,  /* nil: nothing to pop (BRPOP: until the timeout) */
    QUEUE_BAD     /* not a reply a pop can give */
};

/*
 * Reads a pop's reply. BRPOP answers [key, item] or nil; RPOP an item or nil,
 * from rpop_queue. *item points into the reply's buffer.
 */
enum queue_pop_outcome queue_pop_reply(const struct queue_spec *spec, const struct stress_reply *r,
                                       uint32_t rpop_queue, uint32_t *queue, const char **item,
                                       size_t *item_len);

#ifdef __cplusplus
}
#endif
#endif
