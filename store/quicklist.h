/*
 * Quicklist: the list value, as in Redis 7.0. A doubly linked chain of
 * nodes, each holding a listpack (store/listpack.h) of consecutive
 * elements, so a list costs a few bytes per element yet pushes, pops and
 * edits only ever touch one small node. Pure data structure: no locking
 * (the owner's shard lock guards it), no keyspace.
 *
 * It must never lose or reorder elements, whatever fails: a failed
 * allocation in push, insert or set returns -ENOMEM and leaves the list
 * exactly as it was; deletions only fail before they change anything
 * (quicklist_remove may stop part way, and says how far it got); merging
 * and compressing are optional work that a failed allocation just skips.
 *
 * Layout. A node is 32 bytes: prev, next, its data, the listpack's size, an
 * element count (16 bits) and flags. Its data is a listpack or, for an
 * interior node, that listpack LZF-compressed (store/lzf.h) behind a 32-bit
 * compressed length, as Redis stores it. Two settings, fixed per list:
 *
 *   fill (list-max-listpack-size): positive N = at most N elements a node
 *     (and never more than 8 KB unless the node has a single element);
 *     -1..-5 = at most 4, 8, 16, 32 or 64 KB a node (-2, 8 KB, is Redis's
 *     default). An element too big for any node gets a node of its own
 *     (Redis's "plain" node, here a one-element listpack). Nodes that fit
 *     together after an edit are merged back into one.
 *
 *   compress depth (list-compress-depth): 0 = nothing is compressed; N = the
 *     N nodes at each end stay plain and every interior node is kept
 *     compressed, when that saves at least 9 bytes (never under 48 bytes).
 *     An edit decompresses its node and compresses it again afterwards;
 *     reading an interior node decompresses a copy and leaves the node be.
 *
 * quicklist_bytes() is every byte the list allocated (the list, nodes,
 * listpacks and compressed blobs), kept up to date by each change: O(1).
 */
#ifndef MAGPIE_STORE_QUICKLIST_H
#define MAGPIE_STORE_QUICKLIST_H

#include "store/listpack.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct quicklist;
struct quicklist_node;

/* Redis's defaults and bounds for the two settings; out-of-range values
 * are clamped as Redis does. */
#define QUICKLIST_FILL_DEFAULT     (-2)
#define QUICKLIST_FILL_MIN         (-5)
#define QUICKLIST_FILL_MAX         32767
#define QUICKLIST_COMPRESS_DEFAULT 0
#define QUICKLIST_COMPRESS_MAX     65535

enum quicklist_end { QUICKLIST_HEAD, QUICKLIST_TAIL };
enum quicklist_direction { QUICKLIST_FORWARD, QUICKLIST_BACKWARD };

/* An empty list, or NULL when the allocation fails. */
struct quicklist *quicklist_new(int fill, int compress_depth);
void quicklist_free(struct quicklist *ql);
/* A deep copy (COPY), or NULL when an allocation fails. */
struct quicklist *quicklist_dup(const struct quicklist *ql);

size_t quicklist_count(const struct quicklist *ql);
size_t quicklist_bytes(const struct quicklist *ql);
int quicklist_fill(const struct quicklist *ql);
int quicklist_compress_depth(const struct quicklist *ql);

/*
 * Indexes count from 0 at the head, or from -1 at the tail. Changes return
 * 0, -ENOMEM, -E2BIG (an element too big for a listpack, over 4 GB) or
 * -ERANGE (no element at that index); on an error the list is unchanged.
 */
int quicklist_push(struct quicklist *ql, enum quicklist_end end, const void *s, size_t len);
/* Replaces the element at index (LSET). */
int quicklist_set(struct quicklist *ql, long index, const void *s, size_t len);
/* Inserts before or after the element at index. */
int quicklist_insert(struct quicklist *ql, long index, enum listpack_where where, const void *s,
                     size_t len);
/* LINSERT: inserts before or after the first element (from the head) equal
 * to pivot. Returns 1 when inserted, 0 when there is no such element, or a
 * negative error as above. */
int quicklist_insert_at_pivot(struct quicklist *ql, enum listpack_where where, const void *pivot,
                              size_t pivot_len, const void *s, size_t len);

/* Hands a popped element to the caller before it is deleted: value points
 * into the list until the function returns. Non-zero cancels the pop (the
 * caller could not keep it) and is returned as is. */
typedef int (*quicklist_take_fn)(void *ctx, const struct listpack_value *value);
/* Removes the element at one end, passing it to take (if not NULL) first.
 * Returns 0, -ENOENT on an empty list, -ENOMEM, or take's error; on an
 * error the list is unchanged. */
int quicklist_pop(struct quicklist *ql, enum quicklist_end end, quicklist_take_fn take, void *ctx);

/* Deletes up to `count` elements from `start` on (LTRIM); a start outside
 * the list deletes nothing. 0 or -ENOMEM (nothing deleted). */
int quicklist_delete_range(struct quicklist *ql, long start, size_t count);
/* LREM: deletes elements equal to s, at most `count` from the head (count
 * > 0) or -count from the tail (count < 0), or all of them (0). *removed is
 * how many were deleted, also when it returns -ENOMEM part way. */
int quicklist_remove(struct quicklist *ql, const void *s, size_t len, long count, size_t *removed);

/* Whether an element read from the list equals the bytes s. */
bool quicklist_value_equals(const struct listpack_value *value, const void *s, size_t len);

/*
 * Reading, from an index towards the tail or the head (LINDEX, LRANGE,
 * LPOS). A value points into the list, or into the iterator's copy of a
 * compressed node, until the next call; the list must not change while an
 * iterator is in use. Reading never changes the list.
 */
struct quicklist_iter {
    const struct quicklist_node *node;
    const struct listpack *lp; /* node's listpack or scratch; NULL until loaded */
    size_t pos;                /* next entry of lp; 0 when the node is done */
    size_t offset;             /* where in node to start once it is loaded */
    unsigned char *scratch;    /* decompressed copy of a compressed node */
    size_t scratch_cap;
    bool forward;
};
/* An index outside the list gives an iterator with nothing to read. */
void quicklist_iter_init(struct quicklist_iter *it, const struct quicklist *ql, long index,
                         enum quicklist_direction direction);
/* 1 with *value set, 0 at the end, or -ENOMEM (decompressing a node
 * failed; the iterator stays where it was). */
int quicklist_iter_next(struct quicklist_iter *it, struct listpack_value *value);
void quicklist_iter_release(struct quicklist_iter *it);

/* One node, for tests and DEBUG. */
struct quicklist_node_info {
    size_t count;          /* elements */
    size_t listpack_bytes; /* the listpack's size, compressed or not */
    size_t stored_bytes;   /* what it occupies: the compressed blob when compressed */
    bool compressed;
    bool incompressible; /* compression was tried since the last change and did not pay */
};
/* Fills up to `max` entries from the head; returns the number of nodes. */
size_t quicklist_layout(const struct quicklist *ql, struct quicklist_node_info *out, size_t max);
/* Checks every invariant (links, counts, bytes, each listpack in full, node
 * sizes against fill): NULL when consistent, else what is wrong. O(size). */
const char *quicklist_check(const struct quicklist *ql);

/*
 * RDB snapshots (store/rdb_*.c) write each node's listpack as it is. The
 * visitor gets a node's data: its listpack (`lp_bytes` bytes), or when
 * `compressed` its LZF blob (`size` bytes, inflating to lp_bytes). A
 * non-zero return stops the walk and is returned.
 */
typedef int (*quicklist_node_fn)(void *ctx, const void *data, size_t size, size_t lp_bytes,
                                 bool compressed);
size_t quicklist_node_count(const struct quicklist *ql);
int quicklist_foreach_node(const struct quicklist *ql, quicklist_node_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
