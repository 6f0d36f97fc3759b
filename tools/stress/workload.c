#include "tools/stress/workload.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const op_names[OP_COUNT] = {
    "get",  "set",  "incr", "del",  "lpush",   "rpush",  "lpop",    "rpop",     "brpop", "hset",
    "hget", "sadd", "srem", "zadd", "zincrby", "zrange", "publish", "transfer", "sum"};
/* TRANSFER and SUM are no commands: op_request_args never sends them. */
static const char *const op_verbs[OP_COUNT] = {
    "GET",  "SET",  "INCR", "DEL",  "LPUSH",   "RPUSH",  "LPOP",    "RPOP",     "BRPOP", "HSET",
    "HGET", "SADD", "SREM", "ZADD", "ZINCRBY", "ZRANGE", "PUBLISH", "TRANSFER", "SUM"};

const char *op_name(enum stress_op op)
{
    return (unsigned)op < OP_COUNT ? op_names[op] : "?";
}

const char *op_verb(enum stress_op op)
{
    return (unsigned)op < OP_COUNT ? op_verbs[op] : "?";
}

bool op_is_list(enum stress_op op)
{
    return op >= OP_LPUSH && op <= OP_BRPOP;
}

bool op_is_hash(enum stress_op op)
{
    return op == OP_HSET || op == OP_HGET;
}

bool op_mix_has_aggregate(const struct op_mix *mix)
{
    for (int i = 0; i < OP_COUNT; i++)
        if (mix->weight[i] && (op_is_list((enum stress_op)i) || op_is_hash((enum stress_op)i) ||
                               op_is_set((enum stress_op)i) || op_is_zset((enum stress_op)i)))
            return true;
    return false;
}

bool op_mix_has_list(const struct op_mix *mix)
{
    for (int i = 0; i < OP_COUNT; i++)
        if (mix->weight[i] && op_is_list((enum stress_op)i))
            return true;
    return false;
}

bool op_is_set(enum stress_op op)
{
    return op == OP_SADD || op == OP_SREM;
}

bool op_is_zset(enum stress_op op)
{
    return op == OP_ZADD || op == OP_ZINCRBY || op == OP_ZRANGE;
}

bool op_mix_has_set(const struct op_mix *mix)
{
    return mix->weight[OP_SADD] || mix->weight[OP_SREM];
}

int op_request_args(enum stress_op op, const char *name, size_t name_len, const char *value,
                    size_t value_len, const char **argv, size_t *lens)
{
    argv[0] = op_verbs[op];
    lens[0] = strlen(op_verbs[op]);
    argv[1] = name;
    lens[1] = name_len;
    switch (op) {
    case OP_SET:
    case OP_LPUSH:
    case OP_RPUSH:
    case OP_SADD:
    case OP_SREM:
        argv[2] = value;
        lens[2] = value_len;
        return 3;
    case OP_BRPOP:
        argv[2] = STRESS_BRPOP_TIMEOUT;
        lens[2] = strlen(STRESS_BRPOP_TIMEOUT);
        return 3;
    case OP_HSET:
        argv[2] = STRESS_HASH_FIELD;
        lens[2] = strlen(STRESS_HASH_FIELD);
        argv[3] = value;
        lens[3] = value_len;
        return 4;
    case OP_HGET:
        argv[2] = STRESS_HASH_FIELD;
        lens[2] = strlen(STRESS_HASH_FIELD);
        return 3;
    case OP_ZADD:
    case OP_ZINCRBY:
        argv[2] = "1";
        lens[2] = 1;
        argv[3] = value;
        lens[3] = value_len;
        return 4;
    case OP_ZRANGE:
        argv[2] = "-10";
        lens[2] = 3;
        argv[3] = "-1";
        lens[3] = 2;
        argv[4] = "WITHSCORES";
        lens[4] = 10;
        return 5;
    default:
        return 2;
    }
}

/* One "name:weight" entry of len bytes at entry. Returns the op or -EINVAL. */
static int parse_op_entry(const char *entry, size_t len, uint32_t *weight, char *err,
                          size_t err_size)
{
    const char *colon = memchr(entry, ':', len);
    if (!colon) {
        snprintf(err, err_size, "'%.*s' is not op:weight", (int)len, entry);
        return -EINVAL;
    }
    size_t name_len = (size_t)(colon - entry);
    int op = -1;
    for (int i = 0; i < OP_MIX_COUNT; i++)
        if (strlen(op_names[i]) == name_len && strncasecmp(entry, op_names[i], name_len) == 0)
            op = i;
    if (op < 0) {
        snprintf(err, err_size,
                 "unknown operation '%.*s' (known: get, set, incr, del, lpush, rpush, lpop, "
                 "rpop, brpop, hset, hget, sadd, srem, zadd, zincrby, zrange)",
                 (int)name_len, entry);
        return -EINVAL;
    }
    char digits[16];
    size_t digits_len = len - name_len - 1;
    bool ok = digits_len > 0 && digits_len < sizeof(digits);
    unsigned long w = 0;
    if (ok) {
        memcpy(digits, colon + 1, digits_len);
        digits[digits_len] = '\0';
        char *end;
        errno = 0;
        w = strtoul(digits, &end, 10);
        ok = !errno && *end == '\0' && digits[0] >= '0' && digits[0] <= '9' && w <= 1000000;
    }
    if (!ok) {
        snprintf(err, err_size, "bad weight in '%.*s' (an integer 0..1000000)", (int)len, entry);
        return -EINVAL;
    }
    *weight = (uint32_t)w;
    return op;
}

int op_mix_parse(const char *text, struct op_mix *out, char *err, size_t err_size)
{
    struct op_mix mix;
    memset(&mix, 0, sizeof(mix));
    bool seen[OP_MIX_COUNT] = {false};
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        uint32_t weight;
        int op = parse_op_entry(p, len, &weight, err, err_size);
        if (op < 0)
            return -EINVAL;
        if (seen[op]) {
            snprintf(err, err_size, "operation '%s' appears twice", op_names[op]);
            return -EINVAL;
        }
        seen[op] = true;
        mix.weight[op] = weight;
        mix.total += weight;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (mix.total == 0) {
        snprintf(err, err_size, "operation mix '%s' has no positive weight", text);
        return -EINVAL;
    }
    *out = mix;
    return 0;
}

const char *op_mix_format(const struct op_mix *mix, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < OP_MIX_COUNT; i++) {
        if (!mix->weight[i])
            continue;
        int n = snprintf(out + used, size - used, "%s%s:%u", used ? "," : "", op_names[i],
                         mix->weight[i]);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return out;
}

enum stress_op op_mix_pick(const struct op_mix *mix, struct rng *r)
{
    uint32_t x = (uint32_t)rng_below(r, mix->total);
    for (int i = 0; i < OP_MIX_COUNT; i++) {
        if (x < mix->weight[i])
            return (enum stress_op)i;
        x -= mix->weight[i];
    }
    abort(); /* total is the sum of the weights */
}

size_t key_name_counter(uint64_t n, char out[KEY_NAME_MAX])
{
    return (size_t)snprintf(out, KEY_NAME_MAX, "counter:%llu", (unsigned long long)n);
}

size_t key_name_string(uint64_t n, char out[KEY_NAME_MAX])
{
    return (size_t)snprintf(out, KEY_NAME_MAX, "key:%llu", (unsigned long long)n);
}

size_t key_name_list(uint64_t n, char out[KEY_NAME_MAX])
{
    return (size_t)snprintf(out, KEY_NAME_MAX, "list:%llu", (unsigned long long)n);
}

size_t key_name(enum stress_op op, uint64_t n, char out[KEY_NAME_MAX])
{
    if (op == OP_INCR)
        return key_name_counter(n, out);
    if (op_is_set(op))
        return (size_t)snprintf(out, KEY_NAME_MAX, "set:%llu", (unsigned long long)n);
    if (op_is_zset(op))
        return (size_t)snprintf(out, KEY_NAME_MAX, "zset:%llu", (unsigned long long)n);
    if (op_is_hash(op))
        return (size_t)snprintf(out, KEY_NAME_MAX, "hash:%llu", (unsigned long long)n);
    return op_is_list(op) ? key_name_list(n, out) : key_name_string(n, out);
}
