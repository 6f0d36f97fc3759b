/*
 * quicklist_check: every invariant the other quicklist files keep, checked
 * from scratch, for tests, fuzzing and DEBUG. It recomputes what the list
 * maintains incrementally (counts, bytes) and reads every node in full, so
 * a bookkeeping slip anywhere shows up on the next check.
 */
#include "store/quicklist_internal.h"

#include "core/alloc.h"
#include "store/lzf.h"

#include <stdint.h>

/* One node's listpack, decompressed if needed: a valid listpack of exactly
 * count entries and lp_bytes bytes. */
static const char *check_node_data(const struct quicklist_node *node)
{
    const void *lp = node->data;
    unsigned char *copy = NULL;
    if (ql__compressed(node)) {
        const struct ql_lzf *z = node->data;
        if (z->size == 0 || (size_t)z->size + 8 >= node->lp_bytes)
            return "a compressed node that does not save enough";
        copy = mem_alloc(node->lp_bytes);
        if (!copy)
            return NULL; /* cannot tell; not an inconsistency */
        if (lzf_decompress(z->data, z->size, copy, node->lp_bytes) != node->lp_bytes) {
            mem_free(copy);
            return "a compressed node that does not decompress to its size";
        }
        lp = copy;
    }
    const char *why = NULL;
    if (!listpack_validate(lp, node->lp_bytes, true))
        why = "a node's listpack is not valid";
    else if (listpack_bytes(lp) != node->lp_bytes)
        why = "a node's size is not its listpack's";
    else if (listpack_count(lp) != node->count)
        why = "a node's count is not its listpack's";
    mem_free(copy);
    return why;
}

const char *quicklist_check(const struct quicklist *ql)
{
    if (ql->fill < QUICKLIST_FILL_MIN)
        return "fill out of range";
    size_t count = 0, len = 0, bytes = sizeof(*ql);
    const struct quicklist_node *prev = NULL;
    for (const struct quicklist_node *node = ql->head; node; node = node->next) {
        if (node->prev != prev)
            return "a node's prev is not the node before it";
        if (node->count == 0)
            return "an empty node";
        if (ql__compressed(node) && ql->compress == 0)
            return "a compressed node in a list without compression";
        if (!ql__fits_node(ql, node))
            return "a node of several elements over its fill limit";
        const char *why = check_node_data(node);
        if (why)
            return why;
        count += node->count;
        bytes += ql__node_footprint(node);
        len++;
        prev = node;
    }
    if (ql->tail != prev)
        return "tail is not the last node";
    if (count != ql->count)
        return "count is not the sum of the nodes' counts";
    if (len != ql->len)
        return "len is not the number of nodes";
    if (bytes != ql->bytes)
        return "bytes is not what the list occupies";
    return NULL;
}
