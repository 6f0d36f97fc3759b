#include "tools/stress/queue.h"

#include "tools/stress/workload.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A decimal in [1, QUEUE_ROLE_MAX] spanning exactly [s, end). */
static int parse_role_count(const char *s, const char *end, int *out)
{
    long v = 0;
    if (s == end || end - s > 5)
        return -EINVAL;
    for (const char *p = s; p < end; p++) {
        if (*p < '0' || *p > '9')
            return -EINVAL;
        v = v * 10 + (*p - '0');
    }
    if (v < 1 || v > QUEUE_ROLE_MAX)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

int queue_spec_parse(const char *text, int *producers, int *consumers)
{
    const char *colon = strchr(text, ':');
    if (!colon || parse_role_count(text, colon, producers) < 0 ||
        parse_role_count(colon + 1, colon + 1 + strlen(colon + 1), consumers) < 0)
        return -EINVAL;
    return 0;
}

int queue_pop_mode_parse(const char *text, enum queue_pop_mode *out)
{
    if (strcmp(text, "brpop") == 0)
        *out = QUEUE_POP_BRPOP;
    else if (strcmp(text, "rpop") == 0)
        *out = QUEUE_POP_RPOP;
    else
        return -EINVAL;
    return 0;
}

const char *queue_pop_mode_name(enum queue_pop_mode mode)
{
    return mode == QUEUE_POP_RPOP ? "rpop" : "brpop";
}

/*
 * Index g is a producer when the count of producers among 0..g,
 * floor((g + 1) P / N), steps up at g: P steps spread evenly over N.
 */
enum queue_role queue_role_of(const struct queue_spec *spec, uint32_t index, uint32_t *id)
{
    uint64_t n = (uint64_t)spec->producers + (uint64_t)spec->consumers;
    if (spec->producers <= 0 || index >= n)
        return QUEUE_ROLE_NONE;
    uint64_t before = index * (uint64_t)spec->producers / n;
    uint64_t through = (index + 1) * (uint64_t)spec->producers / n;
    if (through > before) {
        *id = (uint32_t)before;
        return QUEUE_ROLE_PRODUCER;
    }
    *id = (uint32_t)(index - through);
    return QUEUE_ROLE_CONSUMER;
}

size_t queue_key_name(uint32_t n, char out[QUEUE_KEY_NAME_MAX])
{
    return (size_t)snprintf(out, QUEUE_KEY_NAME_MAX, "queue:%u", n);
}

int queue_key_index(const char *name, size_t len, uint32_t keys, uint32_t *out)
{
    static const char prefix[] = "queue:";
    size_t plen = sizeof(prefix) - 1;
    if (len <= plen || len > plen + 10 || memcmp(name, prefix, plen) != 0)
        return -EINVAL;
    uint64_t v = 0;
    for (size_t i = plen; i < len; i++) {
        if (name[i] < '0' || name[i] > '9' || (i > plen && v == 0))
            return -EINVAL; /* digits only, no leading zero */
        v = v * 10 + (uint64_t)(name[i] - '0');
    }
    if (v >= keys)
        return -EINVAL;
    *out = (uint32_t)v;
    return 0;
}

uint32_t queue_of_push(const struct queue_spec *spec, uint32_t producer, uint64_t seq)
{
    return (uint32_t)((producer + seq) % (uint64_t)spec->keys);
}

int queue_pop_args(const struct queue_spec *spec, uint64_t turn, char (*names)[QUEUE_KEY_NAME_MAX],
                   const char **argv, size_t *lens, uint32_t *queue)
{
    uint32_t keys = (uint32_t)spec->keys, first = (uint32_t)(turn % keys);
    *queue = first;
    if (spec->pop == QUEUE_POP_RPOP) {
        argv[0] = "RPOP";
        lens[0] = 4;
        argv[1] = names[first];
        lens[1] = strlen(names[first]);
        return 2;
    }
    argv[0] = "BRPOP";
    lens[0] = 5;
    for (uint32_t i = 0; i < keys; i++) {
        const char *name = names[(first + i) % keys];
        argv[1 + i] = name;
        lens[1 + i] = strlen(name);
    }
    argv[1 + keys] = STRESS_BRPOP_TIMEOUT;
    lens[1 + keys] = strlen(STRESS_BRPOP_TIMEOUT);
    return (int)keys + 2;
}

enum queue_pop_outcome queue_pop_reply(const struct queue_spec *spec, const struct stress_reply *r,
                                       uint32_t rpop_queue, uint32_t *queue, const char **item,
                                       size_t *item_len)
{
    if (r->type == SREPLY_NIL)
        return QUEUE_EMPTY;
    if (spec->pop == QUEUE_POP_RPOP) {
        if (r->type != SREPLY_BULK)
            return QUEUE_BAD;
        *queue = rpop_queue;
        *item = r->str;
        *item_len = r->len;
        return QUEUE_POPPED;
    }
    if (r->type != SREPLY_ARRAY || r->integer != 2)
        return QUEUE_BAD;
    struct stress_reply key, value;
    long n = stress_reply_parse(r->str, r->len, &key);
    if (n <= 0 || key.type != SREPLY_BULK ||
        stress_reply_parse(r->str + n, r->len - (size_t)n, &value) <= 0 ||
        value.type != SREPLY_BULK ||
        queue_key_index(key.str, key.len, (uint32_t)spec->keys, queue) < 0)
        return QUEUE_BAD;
    *item = value.str;
    *item_len = value.len;
    return QUEUE_POPPED;
}
