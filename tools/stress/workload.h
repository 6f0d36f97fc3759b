/*
 * What a stress run sends: the operations, their mix, and the names of the
 * keys they touch. GET, SET and DEL work on string keys "key:<n>"; INCR works
 * on separate counter keys "counter:<n>"; LPUSH, RPUSH, LPOP, RPOP and BRPOP
 * on list keys "list:<n>", so no mix ever turns into WRONGTYPE errors. BRPOP
 * waits STRESS_BRPOP_TIMEOUT seconds at most; its nil reply is not an error.
 * Pure code, shared by the network and the in-process modes.
 */
#ifndef MAGPIE_STRESS_WORKLOAD_H
#define MAGPIE_STRESS_WORKLOAD_H

#include "tools/stress/rng.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum stress_op {
    OP_GET,
    OP_SET,
    OP_INCR,
    OP_DEL,
    OP_LPUSH,
    OP_RPUSH,
    OP_LPOP,
    OP_RPOP,
    OP_BRPOP,
    OP_HSET, /* HSET hash:<n> field value */
    OP_HGET, /* HGET hash:<n> field */
    OP_SADD,
    OP_SREM,
    OP_ZADD,    /* ZADD zset:<n> 1 member */
    OP_ZINCRBY, /* ZINCRBY zset:<n> 1 member */
    OP_ZRANGE,  /* ZRANGE zset:<n> -10 -1 WITHSCORES: a leaderboard's top ten */
    /* The operations of --pubsub and --transfer, never in a --mix: rows of
     * the report. "transfer" is one whole MULTI..EXEC moving an amount (with
     * --transfer-watch, WATCH..EXEC, retries included); "sum" a reader's
     * MULTI..EXEC reading every account. */
    OP_PUBLISH,
    OP_TRANSFER,
    OP_SUM,
    OP_COUNT
};

/* The operations a --mix may name: OP_GET .. OP_ZRANGE. */
#define OP_MIX_COUNT (OP_ZRANGE + 1)

struct op_mix {
    uint32_t weight[OP_COUNT];
    uint32_t total; /* sum of the weights, > 0 */
};

#define KEY_NAME_MAX         32
/* BRPOP's timeout in seconds, as sent (Redis takes decimals since 6.0). */
#define STRESS_BRPOP_TIMEOUT "0.1"
/* The most arguments op_request_args writes. */
#define OP_ARGS_MAX          5
/* The one field the hash operations write and read. */
#define STRESS_HASH_FIELD    "field"

/* "get", "set", ..., "publish", "transfer", "sum" */
const char *op_name(enum stress_op op);
/* The command: "GET", "SET", ... */
const char *op_verb(enum stress_op op);
/* LPUSH, RPUSH, LPOP, RPOP, BRPOP: the operations on list keys. */
bool op_is_list(enum stress_op op);
/* HSET, HGET: the operations on hash keys. */
bool op_is_hash(enum stress_op op);
/* A mix with a positive weight on a list operation. */
bool op_mix_has_list(const struct op_mix *mix);
/* SADD, SREM: the operations on set keys (set:<n>, members m0..m63). */
bool op_is_set(enum stress_op op);
bool op_mix_has_set(const struct op_mix *mix);
/* ZADD, ZINCRBY, ZRANGE: the operations on sorted-set keys (zset:<n>,
 * members m0..m63, like the sets'). */
bool op_is_zset(enum stress_op op);
/* How many distinct members SADD and SREM pick from: small, so that SREM
 * finds what SADD added and the sets stay small. */
#define STRESS_SET_MEMBERS 64
/* A mix with a positive weight on a list, hash or set operation (those need
 * a server, and --verify checks strings and counters only). */
bool op_mix_has_aggregate(const struct op_mix *mix);
/*
 * The arguments of one request: the verb, the key (name, len), and for SET,
 * LPUSH and RPUSH the value, for SADD, SREM, ZADD and ZINCRBY the member
 * (passed as the value), for BRPOP its timeout, for HSET the field and the value, for HGET
 * the field. Fills argv and lens
 * (OP_ARGS_MAX entries); returns the count.
 */
int op_request_args(enum stress_op op, const char *name, size_t name_len, const char *value,
                    size_t value_len, const char **argv, size_t *lens);
/* Parses "get:80,set:20" (weights are relative, need not sum to 100; an
 * operation may appear once). Returns 0, or -EINVAL with a message in err. */
int op_mix_parse(const char *text, struct op_mix *out, char *err, size_t err_size);
/* Writes "get:80,set:20"; returns out. */
const char *op_mix_format(const struct op_mix *mix, char *out, size_t size);
enum stress_op op_mix_pick(const struct op_mix *mix, struct rng *r);

/* Writes the key an operation uses for key index n; returns its length. */
size_t key_name(enum stress_op op, uint64_t n, char out[KEY_NAME_MAX]);
/* The counter key of index n ("counter:<n>"), the string key ("key:<n>"),
 * and the list key ("list:<n>"). */
size_t key_name_counter(uint64_t n, char out[KEY_NAME_MAX]);
size_t key_name_string(uint64_t n, char out[KEY_NAME_MAX]);
size_t key_name_list(uint64_t n, char out[KEY_NAME_MAX]);

#ifdef __cplusplus
}
#endif
#endif
