/*
 * Edits inside the list: LSET, LINSERT and insertion by index. Each first
 * allocates everything it needs (a decompressed node, a grown listpack, new
 * nodes) and only then changes the list, so a failure leaves it as it was;
 * merging and recompressing afterwards are best effort.
 *
 * Where an insertion goes follows Redis's _quicklistInsert: into the node
 * if it has room; at a node's edge, into the neighbour if that has room,
 * else into a new node; in the middle of a full node, by splitting it.
 */
#include "store/quicklist_internal.h"

#include "core/alloc.h"

#include <assert.h>
#include <errno.h>
#include <stdint.h>

/*
 * Splits the plain node at its entry k: node keeps [0, k), a new node with
 * the element s follows it, then a node with [k + removed, count) if that is
 * not empty; then the neighbourhood is merged where it fits. Used when s
 * does not fit into the node: an insertion (removed 0) or a replacement
 * (removed 1). Nodes are built before anything changes.
 */
static int split_with(struct quicklist *ql, struct quicklist_node *node, size_t k, size_t removed,
                      const void *s, size_t len)
{
    assert(!ql__compressed(node) && k + removed <= node->count);
    struct quicklist_node *middle, *right = NULL;
    int err = ql__node_with(s, len, &middle);
    if (err)
        return err;
    struct listpack *lp = ql__lp(node);
    if (k + removed < node->count) {
        struct listpack *rest = listpack_new();
        if (!rest ||
            listpack_append_from(&rest, lp, listpack_seek(lp, (long)(k + removed)), SIZE_MAX) ||
            !(right = ql__node_new(rest))) {
            listpack_free(rest);
            ql__node_free(middle);
            return -ENOMEM;
        }
    }
    if (k < node->count) {
        listpack_delete(&lp, listpack_seek(lp, (long)k), SIZE_MAX);
        ql__node_changed(ql, node, lp, -(long)(node->count - k));
    }
    ql__link(ql, middle, node, true);
    if (right)
        ql__link(ql, right, middle, true);
    if (node->count == 0)
        ql__delete_node(ql, node);
    ql__settle(ql, ql__merge_around(ql, middle));
    return 0;
}

/* Adds s at one end of a node that has room. */
static int add_at_edge(struct quicklist *ql, struct quicklist_node *node, bool at_head,
                       const void *s, size_t len)
{
    int err = ql__node_decompress(ql, node);
    if (err)
        return err;
    struct listpack *lp = ql__lp(node);
    err = at_head ? listpack_prepend(&lp, s, len) : listpack_append(&lp, s, len);
    if (!err)
        ql__node_changed(ql, node, lp, 1);
    return err;
}

/* Inserts s before or after the element at `offset` in node. */
static int insert_at(struct quicklist *ql, struct quicklist_node *node, size_t offset, bool after,
                     const void *s, size_t len)
{
    bool full = !ql__allows_insert(ql, node, len);
    bool at_tail = after && offset == node->count - 1u;
    bool at_head = !after && offset == 0;
    struct quicklist_node *touched = node;
    int err;
    if (!full) {
        err = ql__node_decompress(ql, node);
        if (!err) {
            struct listpack *lp = ql__lp(node);
            size_t pos = listpack_seek(lp, (long)offset);
            enum listpack_where where = after ? LISTPACK_AFTER : LISTPACK_BEFORE;
            err = listpack_insert(&lp, pos, where, s, len, NULL);
            if (!err)
                ql__node_changed(ql, node, lp, 1);
        }
    } else if (at_tail && ql__allows_insert(ql, node->next, len)) {
        touched = node->next;
        err = add_at_edge(ql, touched, true, s, len);
    } else if (at_head && ql__allows_insert(ql, node->prev, len)) {
        touched = node->prev;
        err = add_at_edge(ql, touched, false, s, len);
    } else if (at_tail || at_head) {
        struct quicklist_node *fresh;
        err = ql__node_with(s, len, &fresh);
        if (!err) {
            ql__link(ql, fresh, node, after);
            touched = fresh;
        }
    } else {
        err = ql__node_decompress(ql, node);
        if (!err) {
            /* Settles on its own: node may be gone by then. */
            err = split_with(ql, node, after ? offset + 1 : offset, 0, s, len);
            if (!err) {
                ql->count++;
                return 0;
            }
        }
    }
    if (!err)
        ql->count++;
    ql__settle(ql, touched);
    return err;
}

int quicklist_insert(struct quicklist *ql, long index, enum listpack_where where, const void *s,
                     size_t len)
{
    size_t offset;
    struct quicklist_node *node = ql__locate(ql, index, &offset);
    if (!node)
        return -ERANGE;
    return insert_at(ql, node, offset, where == LISTPACK_AFTER, s, len);
}

int quicklist_insert_at_pivot(struct quicklist *ql, enum listpack_where where, const void *pivot,
                              size_t pivot_len, const void *s, size_t len)
{
    struct ql_scratch scratch = {NULL, 0};
    for (struct quicklist_node *node = ql->head; node; node = node->next) {
        const struct listpack *lp = ql__node_read(node, &scratch);
        if (!lp) {
            mem_free(scratch.buf);
            return -ENOMEM;
        }
        size_t found = listpack_find(lp, listpack_first(lp), pivot, pivot_len, 0);
        if (!found)
            continue;
        size_t offset = 0;
        for (size_t pos = listpack_first(lp); pos != found; pos = listpack_next(lp, pos))
            offset++;
        mem_free(scratch.buf);
        int err = insert_at(ql, node, offset, where == LISTPACK_AFTER, s, len);
        return err ? err : 1;
    }
    mem_free(scratch.buf);
    return 0;
}

int quicklist_set(struct quicklist *ql, long index, const void *s, size_t len)
{
    size_t offset;
    struct quicklist_node *node = ql__locate(ql, index, &offset);
    if (!node)
        return -ERANGE;
    int err = ql__node_decompress(ql, node);
    if (err)
        return err;
    struct listpack *lp = ql__lp(node);
    size_t pos = listpack_seek(lp, (long)offset);
    size_t next = listpack_next(lp, pos);
    size_t old_entry = (next ? next : listpack_bytes(lp) - 1) - pos;
    if (ql__allows_replace(ql, node, old_entry, len)) {
        size_t before = node->lp_bytes;
        err = listpack_replace(&lp, pos, s, len);
        if (!err) {
            ql__node_changed(ql, node, lp, 0);
            /* A big element replaced by a small one: its node of its own
             * can go back into a neighbour. */
            if (node->lp_bytes < before)
                node = ql__merge_around(ql, node);
        }
    } else {
        /* Too big for this node now: the element moves to a node of its
         * own between the two halves, which merge back where they fit. */
        err = split_with(ql, node, offset, 1, s, len);
        if (!err)
            return 0;
    }
    ql__settle(ql, node);
    return err;
}
