/*
 * The quicklist's nodes as RDB writes them (RDB_TYPE_LIST_QUICKLIST_2): a
 * walk handing out each node's listpack, or its compressed blob, untouched.
 */
#include "store/quicklist_internal.h"

size_t quicklist_node_count(const struct quicklist *ql)
{
    return ql->len;
}

int quicklist_foreach_node(const struct quicklist *ql, quicklist_node_fn fn, void *ctx)
{
    for (const struct quicklist_node *n = ql->head; n; n = n->next) {
        int rc;
        if (ql__compressed(n)) {
            const struct ql_lzf *z = n->data;
            rc = fn(ctx, z->data, z->size, n->lp_bytes, true);
        } else {
            rc = fn(ctx, n->data, n->lp_bytes, n->lp_bytes, false);
        }
        if (rc)
            return rc;
    }
    return 0;
}
