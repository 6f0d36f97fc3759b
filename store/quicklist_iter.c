/*
 * Finding elements and reading them. Nothing here changes the list: a
 * compressed node is read through a decompressed copy that the reader owns,
 * so LRANGE over a compressed list costs one decompression per node and
 * leaves every node as it was.
 */
#include "store/quicklist_internal.h"

#include "core/alloc.h"
#include "core/strconv.h"

#include <assert.h>
#include <errno.h>
#include <string.h>

struct quicklist_node *ql__locate(const struct quicklist *ql, long index, size_t *offset)
{
    size_t n = ql->count, i;
    if (index >= 0) {
        if ((size_t)index >= n)
            return NULL;
        i = (size_t)index;
    } else {
        size_t back = (size_t)(-(index + 1)); /* -1 -> 0, never overflows */
        if (back >= n)
            return NULL;
        i = n - 1 - back;
    }
    /* Walk whole nodes from the nearer end. */
    struct quicklist_node *node;
    if (i < n / 2) {
        for (node = ql->head; i >= node->count; node = node->next)
            i -= node->count;
        *offset = i;
    } else {
        size_t from_tail = n - 1 - i;
        for (node = ql->tail; from_tail >= node->count; node = node->prev)
            from_tail -= node->count;
        *offset = node->count - 1 - from_tail;
    }
    return node;
}

bool quicklist_value_equals(const struct listpack_value *value, const void *s, size_t len)
{
    if (value->str)
        return value->len == len && (len == 0 || memcmp(value->str, s, len) == 0);
    /* An integer entry only equals the canonical spelling of its value. */
    long long v;
    return strconv_parse_ll(s, len, &v) && v == value->integer;
}

void quicklist_iter_init(struct quicklist_iter *it, const struct quicklist *ql, long index,
                         enum quicklist_direction direction)
{
    memset(it, 0, sizeof(*it));
    it->forward = direction == QUICKLIST_FORWARD;
    it->node = ql__locate(ql, index, &it->offset);
}

int quicklist_iter_next(struct quicklist_iter *it, struct listpack_value *value)
{
    for (;;) {
        if (!it->node)
            return 0;
        if (!it->lp) {
            struct ql_scratch scratch = {it->scratch, it->scratch_cap};
            const struct listpack *lp = ql__node_read(it->node, &scratch);
            it->scratch = scratch.buf;
            it->scratch_cap = scratch.cap;
            if (!lp)
                return -ENOMEM;
            it->lp = lp;
            it->pos = listpack_seek(lp, (long)it->offset);
            assert(it->pos);
        }
        if (it->pos)
            break;
        /* This node is done; the previous value stays valid until the next
         * node is loaded, on this call or the next. */
        it->node = it->forward ? it->node->next : it->node->prev;
        it->lp = NULL;
        it->offset = it->node && !it->forward ? it->node->count - 1u : 0;
    }
    listpack_get(it->lp, it->pos, value);
    it->pos = it->forward ? listpack_next(it->lp, it->pos) : listpack_prev(it->lp, it->pos);
    return 1;
}

void quicklist_iter_release(struct quicklist_iter *it)
{
    mem_free(it->scratch);
    it->scratch = NULL;
    it->scratch_cap = 0;
    it->node = NULL;
}
