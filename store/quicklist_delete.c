/*
 * Deletions: ranges (LTRIM, and the pops of LPOP with a count) and matching
 * elements (LREM). Deleting from a listpack never allocates, but a
 * compressed node must be decompressed first; a range decompresses both of
 * its partial nodes before deleting anything, so it fails whole. After a
 * deletion the nodes that now meet are merged where they fit, which Redis
 * 7.0 leaves to the next insertion: a list that shrinks keeps full nodes.
 */
#include "store/quicklist_internal.h"

#include "core/alloc.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>

/* Deletes n entries from offset: the whole node, or through its listpack
 * open as lp (NULL when the whole node goes). */
static void delete_in_node(struct quicklist *ql, struct quicklist_node *node, struct listpack *lp,
                           size_t offset, size_t n)
{
    if (n == node->count) {
        assert(!lp);
        ql__delete_node(ql, node);
        return;
    }
    listpack_delete(&lp, listpack_seek(lp, (long)offset), n);
    ql__node_commit(ql, node, lp, -(long)n);
}

int quicklist_delete_range(struct quicklist *ql, long start, size_t count)
{
    size_t offset;
    struct quicklist_node *first = ql__locate(ql, start, &offset);
    if (!first || count == 0)
        return 0;
    size_t index = start >= 0 ? (size_t)start : ql->count - 1 - (size_t)(-(start + 1));
    if (count > ql->count - index)
        count = ql->count - index;
    /* The node holding the last element to delete, and that element's offset. */
    struct quicklist_node *last = first;
    size_t last_offset = offset + count - 1;
    while (last_offset >= last->count) {
        last_offset -= last->count;
        last = last->next;
    }
    /* The nodes that keep some elements are opened first, so that nothing
     * is deleted unless everything can be. */
    bool keep_first_part = offset > 0 || (first == last && last_offset + 1 < last->count);
    bool keep_last_part = last != first && last_offset + 1 < last->count;
    struct listpack *first_lp = NULL, *last_lp = NULL;
    if (keep_first_part && !(first_lp = ql__node_open(first)))
        return -ENOMEM;
    if (keep_last_part && !(last_lp = ql__node_open(last))) {
        if (first_lp)
            ql__node_discard(first, first_lp);
        return -ENOMEM;
    }

    struct quicklist_node *before = first->prev, *after = last->next;
    struct quicklist_node *node = first;
    for (size_t left = count; left > 0; offset = 0) {
        struct quicklist_node *next = node->next;
        size_t n = node->count - offset < left ? node->count - offset : left;
        delete_in_node(ql, node,
                       node == first  ? first_lp
                       : node == last ? last_lp
                                      : NULL,
                       offset, n);
        left -= n;
        node = next;
    }
    ql->count -= count;

    /* Merge where the two sides of the gap now meet. */
    struct quicklist_node *center = keep_first_part  ? first
                                    : keep_last_part ? last
                                    : before         ? before
                                                     : after;
    if (center)
        center = ql__merge_around(ql, center);
    ql__settle(ql, center);
    return 0;
}

/* Deletes up to max entries equal to s from a node open as lp, from its
 * head or its tail, and the node if nothing is left (*gone); returns how
 * many. */
static size_t remove_in_node(struct quicklist *ql, struct quicklist_node *node, struct listpack *lp,
                             const void *s, size_t len, bool forward, size_t max, bool *gone)
{
    size_t n = 0;
    if (forward) {
        size_t pos = listpack_find(lp, listpack_first(lp), s, len, 0);
        while (pos && n < max) {
            pos = listpack_delete(&lp, pos, 1);
            n++;
            if (pos)
                pos = listpack_find(lp, pos, s, len, 0);
        }
    } else {
        /* Deleting an entry leaves the positions before it alone. */
        for (size_t pos = listpack_last(lp); pos && n < max;) {
            size_t prev = listpack_prev(lp, pos);
            struct listpack_value v;
            listpack_get(lp, pos, &v);
            if (quicklist_value_equals(&v, s, len)) {
                listpack_delete(&lp, pos, 1);
                n++;
            }
            pos = prev;
        }
    }
    /* Committed even when empty: the deletes may have moved lp. */
    ql__node_commit(ql, node, lp, -(long)n);
    *gone = node->count == 0;
    if (*gone)
        ql__delete_node(ql, node);
    return n;
}

/* Merges node with its neighbour on the `forward` side (the next node when
 * forward); returns the node that holds node's elements. */
static struct quicklist_node *merge_toward(struct quicklist *ql, struct quicklist_node *node,
                                           bool forward, bool settle_anyway)
{
    struct quicklist_node *other = forward ? node->next : node->prev;
    struct quicklist_node *a = forward ? node : other, *b = forward ? other : node;
    struct quicklist_node *kept = node;
    if (ql__allows_merge(ql, a, b)) {
        struct quicklist_node *merged = ql__merge(ql, a, b);
        if (merged)
            kept = merged;
        settle_anyway = true;
    }
    if (settle_anyway)
        ql__settle(ql, kept);
    return kept;
}

int quicklist_remove(struct quicklist *ql, const void *s, size_t len, long count, size_t *removed)
{
    bool forward = count >= 0;
    size_t limit = count == 0 ? SIZE_MAX : count > 0 ? (size_t)count : (size_t)(-(count + 1)) + 1;
    struct ql_scratch scratch = {NULL, 0};
    struct quicklist_node *node = forward ? ql->head : ql->tail, *last_kept = NULL;
    bool dirty = false; /* the last node processed changed or went */
    int err = 0;
    *removed = 0;
    while (node && *removed < limit) {
        struct quicklist_node *next = forward ? node->next : node->prev;
        /* Look through a copy first: most nodes of a compressed list have
         * nothing to delete and stay as they are. */
        const struct listpack *view = ql__node_read(node, &scratch);
        if (!view) {
            err = -ENOMEM;
            break;
        }
        bool changed = false;
        if (listpack_find(view, listpack_first(view), s, len, 0)) {
            struct listpack *lp = ql__node_open(node);
            if (!lp) {
                err = -ENOMEM;
                break;
            }
            bool gone;
            size_t n = remove_in_node(ql, node, lp, s, len, forward, limit - *removed, &gone);
            *removed += n;
            ql->count -= n;
            changed = true;
            if (gone) {
                ql__settle(ql, NULL);
                node = NULL;
            }
        }
        /* Merge with the neighbour already processed (both are final) when
         * either changed. */
        if (node)
            last_kept = changed || dirty ? merge_toward(ql, node, !forward, changed) : node;
        dirty = changed;
        node = next;
    }
    /* And the last one with the node beyond where the deleting stopped. */
    if (last_kept && dirty)
        merge_toward(ql, last_kept, forward, false);
    mem_free(scratch.buf);
    return err;
}
