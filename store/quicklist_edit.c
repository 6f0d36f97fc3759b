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
 * Splits node, whose listpack is open as lp, at its entry k: node keeps
 * [0, k), a new node with the element s follows it, then a node with
 * [k + removed, count) if that is not empty; then the neighbourhood is
 * merged where it fits. For s that does not fit into the node: an insertion
 * (removed 0) or a replacement (removed 1). The new nodes are built before
 * anything changes; on failure the caller still has lp to discard.
 */
static int split_with(struct quicklist *ql, struct quicklist_node *node, struct listpack *lp,
                      size_t k, size_t removed, const void *s, size_t len)
{
    assert(k + removed <= node->count);
    struct quicklist_node *middle, *right = NULL;
    int err = ql__node_with(s, len, &middle);
    if (err)
        return err;
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
    if (k < node->count)
        listpack_delete(&lp, listpack_seek(lp, (long)k), SIZE_MAX);
    ql__node_commit(ql, node, lp, -(long)(node->count - k));
    ql__link(ql, middle, node, true);
    if (right)
        ql__link(ql, right, middle, true);
    if (node->count == 0)
        ql__delete_node(ql, node);
    ql__settle(ql, ql__merge_around(ql, middle));
    return 0;
}

/* Inserts s into a node that has room: at its head or tail, or before or
 * after the entry at offset. */
enum place { AT_HEAD, AT_TAIL, BEFORE, AFTER };
static int add_to_node(struct quicklist *ql, struct quicklist_node *node, enum place place,
                       size_t offset, const void *s, size_t len)
{
    struct listpack *lp = ql__node_open(node);
    if (!lp)
        return -ENOMEM;
    int err;
    if (place == AT_HEAD || place == AT_TAIL) {
        err = place == AT_HEAD ? listpack_prepend(&lp, s, len) : listpack_append(&lp, s, len);
    } else {
        enum listpack_where where = place == AFTER ? LISTPACK_AFTER : LISTPACK_BEFORE;
        err = listpack_insert(&lp, listpack_seek(lp, (long)offset), where, s, len, NULL);
    }
    if (err) {
        ql__node_discard(node, lp);
        return err;
    }
    ql__node_commit(ql, node, lp, 1);
    ql->count++;
    ql__settle(ql, node);
    return 0;
}

/* Inserts s before or after the element at `offset` in node. */
static int insert_at(struct quicklist *ql, struct quicklist_node *node, size_t offset, bool after,
                     const void *s, size_t len)
{
    if (ql__allows_insert(ql, node, len))
        return add_to_node(ql, node, after ? AFTER : BEFORE, offset, s, len);
    bool at_tail = after && offset == node->count - 1u;
    bool at_head = !after && offset == 0;
    if (at_tail && ql__allows_insert(ql, node->next, len))
        return add_to_node(ql, node->next, AT_HEAD, 0, s, len);
    if (at_head && ql__allows_insert(ql, node->prev, len))
        return add_to_node(ql, node->prev, AT_TAIL, 0, s, len);
    int err;
    if (at_tail || at_head) {
        struct quicklist_node *fresh;
        err = ql__node_with(s, len, &fresh);
        if (err)
            return err;
        ql__link(ql, fresh, node, after);
        ql->count++;
        ql__settle(ql, fresh);
        return 0;
    }
    struct listpack *lp = ql__node_open(node);
    if (!lp)
        return -ENOMEM;
    err = split_with(ql, node, lp, after ? offset + 1 : offset, 0, s, len);
    if (err) {
        ql__node_discard(node, lp);
        return err;
    }
    ql->count++;
    return 0;
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
    struct listpack *lp = ql__node_open(node);
    if (!lp)
        return -ENOMEM;
    size_t pos = listpack_seek(lp, (long)offset);
    size_t next = listpack_next(lp, pos);
    size_t old_entry = (next ? next : listpack_bytes(lp) - 1) - pos;
    int err;
    if (ql__allows_replace(ql, node, old_entry, len)) {
        size_t before = node->lp_bytes;
        err = listpack_replace(&lp, pos, s, len);
        if (!err) {
            ql__node_commit(ql, node, lp, 0);
            /* A big element replaced by a small one: its node of its own
             * can go back into a neighbour. */
            if (node->lp_bytes < before)
                node = ql__merge_around(ql, node);
            ql__settle(ql, node);
            return 0;
        }
    } else {
        /* Too big for this node now: the element moves to a node of its
         * own between the two halves, which merge back where they fit. */
        err = split_with(ql, node, lp, offset, 1, s, len);
        if (!err)
            return 0;
    }
    ql__node_discard(node, lp);
    return err;
}
