/*
 * What the quicklist files share: the list and node structs and the node
 * primitives (store/quicklist_node.c). Only store/quicklist*.c include it.
 *
 * Byte accounting has one rule: whatever changes a node's data or links a
 * node in or out goes through a primitive here, and each primitive moves
 * ql->bytes by exactly what it allocated or freed. Element counts are the
 * public operations' business: ql->count changes only where an element is
 * added or removed, never when one moves between nodes.
 */
#ifndef MAGPIE_STORE_QUICKLIST_INTERNAL_H
#define MAGPIE_STORE_QUICKLIST_INTERNAL_H

#include "store/quicklist.h"

#include <stdint.h>

enum {
    QL_COMPRESSED = 1,     /* data is a struct ql_lzf */
    QL_INCOMPRESSIBLE = 2, /* compressing it did not pay; cleared by any change */
};

struct quicklist_node {
    struct quicklist_node *prev;
    struct quicklist_node *next;
    void *data;        /* struct listpack *, or struct ql_lzf * when compressed */
    uint32_t lp_bytes; /* the listpack's size (a listpack's limit is 4 GB) */
    uint16_t count;    /* fill and the size levels keep a node under 32768 */
    uint8_t flags;
};

/* A compressed node's data: Redis's quicklistLZF. */
struct ql_lzf {
    uint32_t size;
    unsigned char data[];
};

struct quicklist {
    struct quicklist_node *head;
    struct quicklist_node *tail;
    size_t count; /* elements */
    size_t len;   /* nodes */
    size_t bytes; /* see quicklist_bytes() */
    int16_t fill;
    uint16_t compress;
};

/* Decompressed copies for reading, reused from node to node. */
struct ql_scratch {
    unsigned char *buf;
    size_t cap;
};

static inline struct listpack *ql__lp(const struct quicklist_node *node)
{
    return (struct listpack *)node->data;
}

static inline bool ql__compressed(const struct quicklist_node *node)
{
    return node->flags & QL_COMPRESSED;
}

/* Node lifetime. ql__node_new takes lp (NULL on failure: lp is still the
 * caller's). ql__node_with takes nothing: a new node holding one element. */
struct quicklist_node *ql__node_new(struct listpack *lp);
int ql__node_with(const void *s, size_t len, struct quicklist_node **out);
void ql__node_free(struct quicklist_node *node);
/* Bytes the node occupies: the struct plus its data. */
size_t ql__node_footprint(const struct quicklist_node *node);

/* Links node (not yet in the list) before or after `at` (NULL: into an
 * empty list), or takes it out (the node stays allocated). */
void ql__link(struct quicklist *ql, struct quicklist_node *node, struct quicklist_node *at,
              bool after);
void ql__unlink(struct quicklist *ql, struct quicklist_node *node);
void ql__delete_node(struct quicklist *ql, struct quicklist_node *node);

/*
 * Editing a node: ql__node_open gives its listpack, or a decompressed copy
 * of it (NULL when that allocation fails). Edit it, then either commit it
 * (it becomes the node's plain data, with `count + delta` elements) or
 * discard it: a failed edit leaves the node exactly as it was, compressed
 * or not.
 */
struct listpack *ql__node_open(const struct quicklist_node *node);
void ql__node_commit(struct quicklist *ql, struct quicklist_node *node, struct listpack *lp,
                     long delta);
void ql__node_discard(const struct quicklist_node *node, struct listpack *lp);
/* Makes a node plain for good: 0 or -ENOMEM (it stays compressed). */
int ql__node_decompress(struct quicklist *ql, struct quicklist_node *node);
/* The node's listpack for reading: its own, or a copy in scratch (NULL
 * when that allocation fails). */
const struct listpack *ql__node_read(const struct quicklist_node *node, struct ql_scratch *scratch);

/* Fill: whether `len` more bytes fit in node; whether a and b fit in one
 * node; whether the node's entry of old_entry bytes may become `len` bytes;
 * whether a node is within its limits (or holds a single element). */
bool ql__allows_insert(const struct quicklist *ql, const struct quicklist_node *node, size_t len);
bool ql__allows_merge(const struct quicklist *ql, const struct quicklist_node *a,
                      const struct quicklist_node *b);
bool ql__allows_replace(const struct quicklist *ql, const struct quicklist_node *node,
                        size_t old_entry, size_t len);
bool ql__fits_node(const struct quicklist *ql, const struct quicklist_node *node);

/* Merges b into a (a directly before b); a, or NULL if it could not. */
struct quicklist_node *ql__merge(struct quicklist *ql, struct quicklist_node *a,
                                 struct quicklist_node *b);
/* Redis's merge of the nodes around an edited one: returns the node that
 * now holds center's elements. */
struct quicklist_node *ql__merge_around(struct quicklist *ql, struct quicklist_node *center);

/* Restores the compression rule after an edit around `center` (NULL: only
 * the ends changed): nodes within the depth plain, the edited ones and
 * those just past the depth compressed. Never fails. */
void ql__settle(struct quicklist *ql, struct quicklist_node *center);

/* The node holding the element at index and its offset there; NULL when
 * the index is outside the list. */
struct quicklist_node *ql__locate(const struct quicklist *ql, long index, size_t *offset);

#endif
