/*
 * Two kinds of connections in one run (--pubsub's publishers and
 * subscribers, --transfer's movers and readers): which connection index
 * plays which role, and how --requests is shared. The first role is spread
 * evenly over the indexes, so the client threads, which take consecutive
 * indexes, each get their share of both. Pure, header-only.
 */
#ifndef MAGPIE_STRESS_ROLES_H
#define MAGPIE_STRESS_ROLES_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Whether connection `index` (0 .. first + second - 1) plays the first role;
 * *id is its index among the connections of its role (dense, from 0). Index
 * g is of the first role when the count of first-role indexes among 0..g,
 * floor((g + 1) first / n), steps up at g.
 */
static inline bool role_is_first(uint32_t first, uint32_t second, uint32_t index, uint32_t *id)
{
    uint64_t n = (uint64_t)first + second;
    uint64_t before = index * (uint64_t)first / n;
    uint64_t through = (index + 1) * (uint64_t)first / n;
    if (through > before) {
        *id = (uint32_t)before;
        return true;
    }
    *id = (uint32_t)(index - through);
    return false;
}

/* The requests of the first-role connections among indexes [start, start +
 * count), when `requests` are shared evenly by the `first` of them. */
static inline uint64_t role_first_quota(uint32_t first, uint32_t second, uint64_t requests,
                                        uint32_t start, int count)
{
    uint64_t quota = 0;
    for (uint32_t i = start; i < start + (uint32_t)count; i++) {
        uint32_t id;
        if (role_is_first(first, second, i, &id))
            quota += requests / first + (id < requests % first);
    }
    return quota;
}

#ifdef __cplusplus
}
#endif
#endif
