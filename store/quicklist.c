/*
 * The list as a whole: creation, copy, the settings, and the two ends
 * (push and pop, the commands lists mostly see). Edits inside the list are
 * in quicklist_edit.c, deletions in quicklist_delete.c, reading in
 * quicklist_iter.c, the node primitives in quicklist_node.c.
 */
#include "store/quicklist_internal.h"

#include "core/alloc.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

_Static_assert(sizeof(struct quicklist_node) <= 32, "a node is at most Redis's 32 bytes");

struct quicklist *quicklist_new(int fill, int compress_depth)
{
    struct quicklist *ql = mem_alloc(sizeof(*ql));
    if (!ql)
        return NULL;
    if (fill > QUICKLIST_FILL_MAX)
        fill = QUICKLIST_FILL_MAX;
    else if (fill < QUICKLIST_FILL_MIN)
        fill = QUICKLIST_FILL_MIN;
    if (compress_depth > QUICKLIST_COMPRESS_MAX)
        compress_depth = QUICKLIST_COMPRESS_MAX;
    else if (compress_depth < 0)
        compress_depth = 0;
    *ql = (struct quicklist){
        .bytes = sizeof(*ql),
        .fill = (int16_t)fill,
        .compress = (uint16_t)compress_depth,
    };
    return ql;
}

void quicklist_free(struct quicklist *ql)
{
    if (!ql)
        return;
    struct quicklist_node *node = ql->head;
    while (node) {
        struct quicklist_node *next = node->next;
        ql__node_free(node);
        node = next;
    }
    mem_free(ql);
}

/* A copy of one node's data, compressed or not, as it is. */
static struct quicklist_node *copy_node(const struct quicklist_node *from)
{
    size_t size = ql__node_footprint(from) - sizeof(*from);
    void *data = mem_alloc(size);
    if (!data)
        return NULL;
    memcpy(data, from->data, size);
    struct quicklist_node *node = mem_alloc(sizeof(*node));
    if (!node) {
        mem_free(data);
        return NULL;
    }
    *node = *from;
    node->data = data;
    node->prev = node->next = NULL;
    return node;
}

struct quicklist *quicklist_dup(const struct quicklist *ql)
{
    struct quicklist *copy = quicklist_new(ql->fill, ql->compress);
    if (!copy)
        return NULL;
    for (const struct quicklist_node *from = ql->head; from; from = from->next) {
        struct quicklist_node *node = copy_node(from);
        if (!node) {
            quicklist_free(copy);
            return NULL;
        }
        ql__link(copy, node, copy->tail, true);
        copy->count += node->count;
    }
    assert(copy->bytes == ql->bytes && copy->count == ql->count);
    return copy;
}

size_t quicklist_count(const struct quicklist *ql)
{
    return ql->count;
}

size_t quicklist_bytes(const struct quicklist *ql)
{
    return ql->bytes;
}

int quicklist_fill(const struct quicklist *ql)
{
    return ql->fill;
}

int quicklist_compress_depth(const struct quicklist *ql)
{
    return ql->compress;
}

int quicklist_push(struct quicklist *ql, enum quicklist_end end, const void *s, size_t len)
{
    bool head = end == QUICKLIST_HEAD;
    struct quicklist_node *node = head ? ql->head : ql->tail;
    if (ql__allows_insert(ql, node, len)) {
        /* The ends are plain unless an earlier decompression failed. */
        struct listpack *lp = ql__node_open(node);
        if (!lp)
            return -ENOMEM;
        int err = head ? listpack_prepend(&lp, s, len) : listpack_append(&lp, s, len);
        if (err) {
            ql__node_discard(node, lp);
            return err;
        }
        ql__node_commit(ql, node, lp, 1);
        ql->count++;
        return 0;
    }
    struct quicklist_node *fresh;
    int err = ql__node_with(s, len, &fresh);
    if (err)
        return err;
    ql__link(ql, fresh, node, !head);
    ql->count++;
    ql__settle(ql, fresh);
    return 0;
}

int quicklist_pop(struct quicklist *ql, enum quicklist_end end, quicklist_take_fn take, void *ctx)
{
    bool head = end == QUICKLIST_HEAD;
    struct quicklist_node *node = head ? ql->head : ql->tail;
    if (!node)
        return -ENOENT;
    struct listpack *lp = ql__node_open(node);
    if (!lp)
        return -ENOMEM;
    size_t pos = head ? listpack_first(lp) : listpack_last(lp);
    if (take) {
        struct listpack_value value;
        listpack_get(lp, pos, &value);
        int err = take(ctx, &value);
        if (err) {
            ql__node_discard(node, lp);
            return err;
        }
    }
    ql->count--;
    if (node->count == 1) {
        ql__node_discard(node, lp);
        ql__delete_node(ql, node);
        ql__settle(ql, NULL);
        return 0;
    }
    listpack_delete(&lp, pos, 1);
    ql__node_commit(ql, node, lp, -1);
    /* A shrinking end node takes its neighbour in once both fit in one. */
    struct quicklist_node *next = head ? node->next : node->prev;
    if (ql__allows_merge(ql, node, next)) {
        struct quicklist_node *kept = head ? ql__merge(ql, node, next) : ql__merge(ql, next, node);
        ql__settle(ql, kept ? kept : node);
    }
    return 0;
}

size_t quicklist_layout(const struct quicklist *ql, struct quicklist_node_info *out, size_t max)
{
    size_t i = 0;
    for (const struct quicklist_node *node = ql->head; node; node = node->next, i++) {
        if (i >= max)
            continue;
        out[i] = (struct quicklist_node_info){
            .count = node->count,
            .listpack_bytes = node->lp_bytes,
            .stored_bytes = ql__node_footprint(node) - sizeof(*node),
            .compressed = ql__compressed(node),
            .incompressible = node->flags & QL_INCOMPRESSIBLE,
        };
    }
    return i;
}
