/*
 * What SORT and SORT_RO (store/cmd_sort.c) share with their helpers: the
 * patterns of BY and GET ("weight_*", "data_*->field", "#") and where they
 * lead, and an arena for the bytes copied out under the shard locks, which
 * the reply is written from once they are released. Private to store/.
 */
#ifndef MAGPIE_STORE_CMD_SORT_H
#define MAGPIE_STORE_CMD_SORT_H

#include "store/cmd_util.h"
#include "store/hash_value.h"

/*
 * A BY or GET pattern as Redis reads it (lookupKeyByPattern): "#" is the
 * element itself; otherwise the first '*' is replaced by the element to
 * name a key, and a "->field" after the '*' (with something after the
 * arrow) reads that field of a hash instead of a string. A pattern without
 * '*' names no key (GET answers nil; BY means "do not sort"). Redis reads
 * the pattern as a C string: a NUL byte ends what it looks for.
 */
struct sort_pattern {
    const char *ptr;
    size_t len;
    bool self;         /* "#" */
    bool names_key;    /* has a '*' */
    size_t prefix;     /* bytes before the '*' */
    size_t postfix;    /* bytes after it, up to the "->" */
    const char *field; /* the hash field, or NULL */
    size_t field_len;
};
void sort_pattern_parse(const struct resp_arg *a, struct sort_pattern *out);

/* A growable buffer for the key names patterns build. */
struct sort_scratch {
    char *buf;
    size_t cap;
};
void sort_scratch_free(struct sort_scratch *s);
/* The key a pattern names for an element, located (false when out of
 * memory; the pattern must name a key). */
bool sort_pattern_key(struct cmd_ctx *c, const struct sort_pattern *p, const char *elem,
                      size_t elen, struct sort_scratch *s, struct key *k);

/* What a pattern found for an element: bytes valid while the locks are
 * held, or nothing (a missing key, a key of another type, a missing field). */
struct sort_value {
    bool found;
    const char *ptr;
    size_t len;
    struct string_snapshot snap;
    struct hash_bytes field;
    char digits[STRCONV_LL_BUF];
};
/* Looks the pattern up for an element, every shard it names held (as a
 * read: Redis's lookupKeyRead). False when out of memory. Release out with
 * sort_value_release. */
bool do_sort_lookup(struct cmd_ctx *c, const struct sort_pattern *p, const char *elem, size_t elen,
                    struct sort_scratch *s, struct sort_value *out);
void sort_value_release(struct sort_value *v);

/* Bytes copied out under the locks: chunks that never move, freed at once. */
struct sort_arena {
    struct sort_chunk *head;
};
/* A copy of len bytes (NUL-terminated, for strtod), or NULL when out of memory. */
char *sort_arena_copy(struct sort_arena *a, const void *data, size_t len);
void sort_arena_free(struct sort_arena *a);

/* The options as parsed. */
struct sort_opts {
    bool desc, alpha, dontsort;
    long limit_start, limit_count;
    int store; /* argv index of STORE's key, or 0 */
    bool has_by;
    struct sort_pattern by;
    int ngets;
    struct sort_pattern *gets;
};

/* One element to sort, with what it sorts by. */
struct sort_item {
    const char *elem; /* in the arena */
    size_t len;
    double score;
    const char *cmp; /* ALPHA BY: the pattern's value (NULL: none) */
    size_t cmp_len;
};

/* One element of the reply: bytes in the arena, or nil (ptr NULL). */
struct sort_out {
    const char *ptr;
    size_t len;
};

/* A SORT in progress: one round under the guard fills it. */
struct sort_run {
    const struct sort_opts *o;
    const struct key *src, *dst;
    /* What the source's type makes of the options. */
    bool dontsort, alpha, sortby;
    struct sort_item *items;
    long n;
    long start, end; /* the range of items replied or stored */
    bool conversion_error;
    struct sort_out *out; /* the reply (not STORE) */
    size_t nout;
    long long outputlen;
    struct sort_arena arena;
    struct sort_scratch scratch;
};

/* Appends an element (copied into the arena) to r->items. */
bool sort_add_item(struct sort_run *r, const void *data, size_t len);
/* store/sort_run.c: the steps of a round, every shard they reach held.
 * Reads the source into items (WRONGTYPE for another type). */
enum cmd_result do_sort_load(struct cmd_ctx *c, struct sort_run *r);
/* Scores the items (BY) and sorts them. */
enum cmd_result do_sort_items(struct cmd_ctx *c, struct sort_run *r);
/* Builds the reply from the sorted range (GET). */
enum cmd_result do_sort_output(struct cmd_ctx *c, struct sort_run *r);
/* Stores the sorted range as a list (announced as "sortstore"), or deletes
 * the destination for an empty result. */
enum cmd_result do_sort_store(struct cmd_ctx *c, struct sort_run *r);

#endif
