/*
 * The set value type: what a key of type set holds, in one of three
 * encodings, as Redis 7.2 stores sets:
 *
 *   intset     every member a canonical 64-bit integer, at most
 *              set-max-intset-entries of them: one sorted array
 *              (store/intset.h);
 *   listpack   at most set-max-listpack-entries members of at most
 *              set-max-listpack-value bytes: one packed allocation in
 *              insertion order (store/listpack.h);
 *   hashtable  anything larger: the store's table engine (store/table.h),
 *              one node per member (store/set_table.h).
 *
 * A set converts to a bigger encoding when an add crosses a threshold, and
 * never back (Redis does the same). The payload is the encoding's own
 * structure, so a change that moves it (an intset widened, a listpack
 * grown, a conversion) updates the entry: callers work on a struct value
 * and store it back with do_set_store (store/cmd_set.h). Pure data structure: the
 * owner's shard lock guards it; lock-free readers never look inside
 * (store/value.h). A failed allocation leaves a set as it was. Private to
 * store/.
 */
#ifndef MAGPIE_STORE_SET_VALUE_H
#define MAGPIE_STORE_SET_VALUE_H

#include "store/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct keyspace;

/* Redis's defaults. */
#define SET_MAX_INTSET_ENTRIES_DEFAULT   512
#define SET_MAX_LISTPACK_ENTRIES_DEFAULT 128
#define SET_MAX_LISTPACK_VALUE_DEFAULT   64

/* The thresholds in force when a command runs (read once per command). */
struct set_limits {
    uint64_t max_intset_entries;
    uint64_t max_listpack_entries;
    uint64_t max_listpack_value;
};
void set_limits_of(const struct keyspace *ks, struct set_limits *out);

/* Registers the set type's operations (idempotent; keyspace_new does it). */
void set_type_register(void);

/*
 * A new empty set for a first member (Redis's setTypeCreate): an intset
 * when it is an integer, else a listpack when `size_hint` members of its
 * kind fit one, else a hashtable. 0 or -ENOMEM.
 */
int set_value_new(const struct set_limits *lim, const void *member, size_t len, size_t size_hint,
                  struct value *out);

/* Adds a member, converting the encoding when a threshold is crossed.
 * Returns 1 (added), 0 (already there) or -ENOMEM (v unchanged). */
int set_add(struct value *v, const struct set_limits *lim, const void *member, size_t len);
/* Removes a member; whether it was there. Never fails. */
bool set_remove(struct value *v, const void *member, size_t len);
bool set_contains(const struct value *v, const void *member, size_t len);
uint64_t set_size(const struct value *v);

/* One member as iteration and random picks give it: bytes, or (ptr NULL)
 * an integer of an intset, or an integer entry of a listpack. */
struct set_member_ref {
    const char *ptr;
    size_t len;
    long long num;
};
/* The member's bytes: ptr, or the integer's digits written into buf. */
const char *set_member_bytes(const struct set_member_ref *m, char buf[24], size_t *len);

/*
 * Visits every member once (intset ascending, listpack in insertion order,
 * hashtable in table order). fn returns false to stop. The set must not
 * change meanwhile.
 */
typedef bool (*set_visit_fn)(void *ctx, const struct set_member_ref *m);
void set_foreach(const struct value *v, set_visit_fn fn, void *ctx);

/*
 * A member chosen uniformly at random, into *out (which points into the set:
 * valid until it changes). The set must not be empty. `rng` is the
 * caller's xorshift state (table_rng_next).
 */
void set_random_member(const struct value *v, uint64_t *rng, struct set_member_ref *out);

/* A copy of the set in the same encoding. 0 or -ENOMEM. */
int set_value_duplicate(const struct value *src, struct value *out);
void set_value_free(struct value *v);

/* Builds a value of type set from a hashtable set, an intset or a listpack
 * (ownership passes). */
void set_value_wrap(int encoding, void *obj, struct value *out);

#endif
