/*
 * What a stress run sends: the operations, their mix, and the names of the
 * keys they touch. GET, SET and DEL work on string keys "key:<n>"; INCR works
 * on separate counter keys "counter:<n>", so a mix of SET and INCR never
 * turns into WRONGTYPE errors. Pure code, shared by the network and the
 * in-process modes.
 */
#ifndef MAGPIE_STRESS_WORKLOAD_H
#define MAGPIE_STRESS_WORKLOAD_H

#include "tools/stress/rng.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum stress_op { OP_GET, OP_SET, OP_INCR, OP_DEL, OP_COUNT };

struct op_mix {
    uint32_t weight[OP_COUNT];
    uint32_t total; /* sum of the weights, > 0 */
};

#define KEY_NAME_MAX 32

/* "get", "set", ... */
const char *op_name(enum stress_op op);
/* Parses "get:80,set:20" (weights are relative, need not sum to 100; an
 * operation may appear once). Returns 0, or -EINVAL with a message in err. */
int op_mix_parse(const char *text, struct op_mix *out, char *err, size_t err_size);
/* Writes "get:80,set:20"; returns out. */
const char *op_mix_format(const struct op_mix *mix, char *out, size_t size);
enum stress_op op_mix_pick(const struct op_mix *mix, struct rng *r);

/* Writes the key an operation uses for key index n; returns its length. */
size_t key_name(enum stress_op op, uint64_t n, char out[KEY_NAME_MAX]);
/* The counter key of index n ("counter:<n>"), and the string key ("key:<n>"). */
size_t key_name_counter(uint64_t n, char out[KEY_NAME_MAX]);
size_t key_name_string(uint64_t n, char out[KEY_NAME_MAX]);

#ifdef __cplusplus
}
#endif
#endif
