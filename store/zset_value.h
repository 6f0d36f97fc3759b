/*
 * The sorted-set value type: what a key of type zset holds, in one of two
 * encodings, as Redis 7.0 stores sorted sets:
 *
 *   listpack   at most zset-max-listpack-entries members of at most
 *              zset-max-listpack-value bytes: one packed allocation of
 *              (member, score) pairs sorted by score, then member
 *              (store/listpack.h), byte for byte Redis's;
 *   skiplist   anything larger (the name OBJECT ENCODING gives, as Redis
 *              does): a table of member nodes holding the scores, for O(1)
 *              ZSCORE (store/table.h), and a B+tree of pointers to those
 *              nodes ordered by (score, member) with subtree counts, for
 *              ranks and ranges in O(log n) (store/zset_tree.h).
 *
 * Like the other aggregates the payload moves (a listpack grows, an encoding
 * converts), so callers work on a struct value and store it back
 * (do_zset_store, store/cmd_zset.h). Pure data structure: the owner's shard
 * lock guards it; lock-free readers never look inside (store/value.h). A
 * failed allocation leaves a sorted set as it was. Private to store/.
 *
 * Typical uses: a range is zset_score_span / zset_lex_span (or ranks
 * directly) then a zset_iter over the ranks; a pop is zset_iter_init at
 * rank 0 (or card - 1, reverse), reading the elements, then
 * zset_delete_ranks; scores are replied with reply_double and stored in
 * listpacks with zset_format_score.
 */
#ifndef MAGPIE_STORE_ZSET_VALUE_H
#define MAGPIE_STORE_ZSET_VALUE_H

#include "store/value.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct keyspace;

/* Redis's defaults. */
#define ZSET_MAX_LISTPACK_ENTRIES_DEFAULT 128
#define ZSET_MAX_LISTPACK_VALUE_DEFAULT   64

/* The thresholds in force when a command runs (read once per command). */
struct zset_limits {
    uint64_t max_listpack_entries;
    uint64_t max_listpack_value;
};
void zset_limits_of(const struct keyspace *ks, struct zset_limits *out);

/* Registers the type's operations (idempotent; keyspace_new does it). */
void zset_type_register(void);

/*
 * A new empty sorted set (Redis's zsetTypeCreate): a listpack when
 * `size_hint` members of up to `len_hint` bytes fit one, else the large
 * form. 0 or -ENOMEM.
 */
int zset_value_new(const struct zset_limits *lim, size_t size_hint, size_t len_hint,
                   struct value *out);
void zset_value_free(struct value *v);
/* A copy in the same encoding. 0 or -ENOMEM. */
int zset_value_duplicate(const struct value *src, struct value *out);
uint64_t zset_card(const struct value *v);
/* Bytes allocated (MEMORY USAGE), O(1). */
size_t zset_memory_usage(const struct value *v);

/* ZADD's flags in ... */
enum {
    ZADD_IN_NX = 1 << 0,
    ZADD_IN_XX = 1 << 1,
    ZADD_IN_GT = 1 << 2,
    ZADD_IN_LT = 1 << 3,
    ZADD_IN_INCR = 1 << 4,
};
/* ... and what happened (Redis's zsetAdd out flags). */
enum {
    ZADD_OUT_NOP = 1 << 0,     /* nothing done (NX/XX/GT/LT said no) */
    ZADD_OUT_NAN = 1 << 1,     /* INCR would give NaN: nothing done */
    ZADD_OUT_ADDED = 1 << 2,   /* a new member */
    ZADD_OUT_UPDATED = 1 << 3, /* an existing member's score changed */
};

/*
 * Adds or updates a member (Redis's zsetAdd), converting to the large form
 * when a threshold is crossed. With ZADD_IN_INCR the score is an increment
 * and *new_score gets the result. Returns 0 (see *out_flags) or -ENOMEM
 * (v unchanged).
 */
int zset_add(struct value *v, const struct zset_limits *lim, double score, const void *member,
             size_t len, int in_flags, int *out_flags, double *new_score);
/* Removes a member; whether it was there. Never fails. */
bool zset_delete(struct value *v, const void *member, size_t len);
/* The member's score; false when it is absent. O(1) in the large form. */
bool zset_score(const struct value *v, const void *member, size_t len, double *score);
/* The member's 0-based rank (ascending, or descending when `reverse`) and
 * score; -1 when it is absent. */
long long zset_rank(const struct value *v, const void *member, size_t len, bool reverse,
                    double *score);

/* One element as iteration gives it: member bytes (in the set, or an
 * integer member of a listpack written into buf) and score. Valid until
 * the set changes. */
struct zset_elem {
    const char *ptr;
    size_t len;
    double score;
    char buf[24];
};

/* A score range: min..max, each end inclusive or not (Redis's zrangespec). */
struct zset_score_range {
    double min, max;
    bool minex, maxex;
};
/* A lex range (zlexrangespec): an end is a string, or -inf ("-") / +inf
 * ("+"), inclusive ("[") or exclusive ("("). */
struct zset_lex_range {
    const char *min, *max;
    size_t minlen, maxlen;
    int8_t mininf, maxinf; /* -1: "-", +1: "+", 0: a string */
    bool minex, maxex;
};

/*
 * The ranks [*first, *end) of the elements inside a range: every element
 * at a rank in it is in range and none outside is (scores and, for lex,
 * members are ordered). *first == *end when none is. O(log n) in the
 * large form.
 */
void zset_score_span(const struct value *v, const struct zset_score_range *r, uint64_t *first,
                     uint64_t *end);
void zset_lex_span(const struct value *v, const struct zset_lex_range *r, uint64_t *first,
                   uint64_t *end);
bool zset_score_in_range(const struct zset_score_range *r, double score);
bool zset_lex_in_range(const struct zset_lex_range *r, const void *m, size_t len);

/*
 * Walks elements by rank: from `rank` (ascending order, 0 the lowest)
 * upwards, or downwards when `reverse`. The set must not change while an
 * iterator is in use.
 */
struct zset_iter {
    const struct value *v;
    bool reverse;
    uint64_t left; /* elements still to give */
    size_t pos;    /* listpack: the member entry */
    void *leaf;    /* large form: the tree leaf and index */
    unsigned idx;
};
void zset_iter_init(struct zset_iter *it, const struct value *v, uint64_t rank, bool reverse);
bool zset_iter_next(struct zset_iter *it, struct zset_elem *out);
/* The element at a rank (< zset_card). */
void zset_at(const struct value *v, uint64_t rank, struct zset_elem *out);

/* Deletes the elements of ranks [first, end) (ascending). Never fails. */
void zset_delete_ranks(struct value *v, uint64_t first, uint64_t end);

/* ZSCAN's step: visits the elements of the buckets at `cursor` of the
 * large form's member table (a listpack: every element, cursor 0 next) and
 * returns the next cursor, 0 when done. */
typedef void (*zset_scan_fn)(void *ctx, const struct zset_elem *e);
uint64_t zset_scan(const struct value *v, uint64_t cursor, zset_scan_fn fn, void *ctx);

/* A uniformly random element (the set must not be empty). `rng` is the
 * caller's xorshift state (table_rng_next). */
void zset_random(const struct value *v, uint64_t *rng, struct zset_elem *out);

/*
 * Encoding changes: to the large form (0 or -ENOMEM, v unchanged), and back
 * to a listpack when it fits the limits (Redis's
 * zsetConvertToListpackIfNeeded, after ZRANGESTORE and the algebra's
 * stores; a failed allocation keeps the large form).
 */
int zset_to_large(struct value *v);
void zset_shrink_if_fits(struct value *v, const struct zset_limits *lim);

/* Scores as Redis formats them in a listpack (d2string): integral values
 * under 2^52 as integers (-0 as "0"), the rest "%.17g". Returns the
 * length (< 32). */
int zset_format_score(char buf[32], double score);
/* A score argument as Redis reads it (getDoubleFromObject): strtod of
 * the whole string, no leading space, not NaN, no overflow. */
bool zset_parse_score(const char *s, size_t len, double *out);

#endif
