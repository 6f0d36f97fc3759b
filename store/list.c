/*
 * The list value type's operations, and the small helpers the list
 * commands share.
 */
#include "store/list.h"

#include "core/alloc.h"
#include "core/strconv.h"

#include <errno.h>
#include <stdio.h>
#include <limits.h>
#include <math.h>
#include <string.h>

static void list_free(int encoding, union value_payload p)
{
    (void)encoding;
    quicklist_free(p.obj);
}

static int list_duplicate(const struct value *src, struct value *out)
{
    struct quicklist *copy = quicklist_dup(src->p.obj);
    if (!copy)
        return -ENOMEM;
    list_value(copy, out);
    return 0;
}

static size_t list_memory_usage(int encoding, union value_payload p)
{
    (void)encoding;
    return quicklist_bytes(p.obj);
}

/* The nodes of a list, for DEBUG OBJECT (bounded: a huge list is summed
 * from at most this many, then extrapolated). */
#define DEBUG_NODES 4096

/* RDB's quicklist encoding (RDB_TYPE_LIST_QUICKLIST_2): the node count,
 * then per node its container kind and its listpack as a string (an
 * in-memory compressed node is written compressed). An uncompressed
 * node's own LZF compression is not modelled (keyspace_debug.c). */
static uint64_t rdb_len_size(uint64_t len)
{
    return len < (1u << 6) ? 1 : len < (1u << 14) ? 2 : len <= UINT32_MAX ? 5 : 9;
}

static uint64_t list_serialized_length(int encoding, union value_payload p)
{
    (void)encoding;
    struct quicklist_node_info nodes[64];
    size_t n = quicklist_layout(p.obj, nodes, 64);
    uint64_t total = rdb_len_size(n), sampled = 0, bytes = 0;
    for (size_t i = 0; i < n && i < 64; i++, sampled++) {
        const struct quicklist_node_info *node = &nodes[i];
        uint64_t body = node->compressed
                            ? 1 + rdb_len_size(node->stored_bytes) +
                                  rdb_len_size(node->listpack_bytes) + node->stored_bytes
                            : rdb_len_size(node->listpack_bytes) + node->listpack_bytes;
        bytes += 1 + body;
    }
    return total + (sampled ? bytes * n / sampled : 0);
}

static void list_debug_fields(int encoding, union value_payload p, char *buf, size_t size)
{
    (void)encoding;
    struct quicklist *ql = p.obj;
    struct quicklist_node_info *nodes = mem_alloc(DEBUG_NODES * sizeof(*nodes));
    size_t n = nodes ? quicklist_layout(ql, nodes, DEBUG_NODES) : 0;
    uint64_t uncompressed = 0;
    size_t seen = n < DEBUG_NODES ? n : DEBUG_NODES;
    for (size_t i = 0; i < seen; i++)
        uncompressed += nodes[i].listpack_bytes;
    if (seen && seen < n)
        uncompressed = uncompressed * n / seen;
    mem_free(nodes);
    snprintf(buf, size,
             " ql_nodes:%zu ql_avg_node:%.2f ql_listpack_max:%d ql_compressed:%d "
             "ql_uncompressed_size:%llu",
             n, n ? (double)quicklist_count(ql) / (double)n : 0.0, quicklist_fill(ql),
             quicklist_compress_depth(ql) != 0, (unsigned long long)uncompressed);
}

/* About one allocation per node (a node and its listpack of up to 8 KB by
 * default): the byte count stands in for the node count, which the
 * quicklist does not keep. */
static size_t list_free_effort(int encoding, union value_payload p)
{
    (void)encoding;
    return quicklist_bytes(p.obj) / 4096 + 1;
}

static const struct value_type_ops list_ops = {
    .name = "list",
    .free = list_free,
    .duplicate = list_duplicate,
    .memory_usage = list_memory_usage,
    .serialized_length = list_serialized_length,
    .debug_fields = list_debug_fields,
    .free_effort = list_free_effort,
};

void list_type_register(void)
{
    value_type_register(VALUE_LIST, &list_ops);
}

struct quicklist *list_new(const struct keyspace *ks)
{
    return quicklist_new(
        atomic_load_explicit(&((struct keyspace *)ks)->list_fill, memory_order_relaxed),
        atomic_load_explicit(&((struct keyspace *)ks)->list_compress, memory_order_relaxed));
}

void list_value(struct quicklist *ql, struct value *out)
{
    out->type = VALUE_LIST;
    out->encoding = ENCODING_QUICKLIST; /* what OBJECT ENCODING says in Redis 7.0 */
    out->p.obj = ql;
}

void reply_list_value(struct reply *r, const struct listpack_value *v)
{
    if (v->str)
        reply_bulk(r, v->str, v->len);
    else
        reply_bulk_ll(r, v->integer);
}

struct pop_reply {
    struct reply *r;
};

static int reply_popped(void *ctx, const struct listpack_value *v)
{
    struct pop_reply *p = ctx;
    if (p->r)
        reply_list_value(p->r, v);
    return 0;
}

long do_list_pop(struct shard *s, const struct key *k, struct entry *e, enum quicklist_end end,
                 long n, struct reply *r)
{
    struct quicklist *ql = entry_list(e);
    struct pop_reply ctx = {r};
    long popped = 0;
    while (popped < n && quicklist_pop(ql, end, reply_popped, &ctx) == 0)
        popped++;
    /* A pop that failed for memory wrote nothing: the reply must still have
     * n elements, so the rest are nils (the connection closes: out of
     * memory marks the reply). */
    for (long i = popped; i < n && r; i++) {
        r->out->oom = true;
        reply_null(r);
    }
    if (popped > 0) {
        do_key_event(s, k, NOTIFY_LIST, end == QUICKLIST_HEAD ? "lpop" : "rpop");
        do_list_delete_if_empty(s, k, e);
    }
    return popped;
}

void list_element_release(struct list_element *el)
{
    if (el->data != el->small)
        mem_free(el->data);
    el->data = NULL;
    el->len = 0;
}

int list_peek_end(const struct quicklist *ql, enum quicklist_end end, struct list_element *el)
{
    struct quicklist_iter it;
    quicklist_iter_init(&it, ql, end == QUICKLIST_HEAD ? 0 : -1,
                        end == QUICKLIST_HEAD ? QUICKLIST_FORWARD : QUICKLIST_BACKWARD);
    struct listpack_value v;
    int rc = quicklist_iter_next(&it, &v);
    if (rc == 1) {
        char digits[STRCONV_LL_BUF];
        const void *src = v.str;
        size_t len = v.len;
        if (!v.str) {
            len = strconv_format_ll(digits, v.integer);
            src = digits;
        }
        el->data = len <= sizeof(el->small) ? el->small : mem_alloc(len);
        if (el->data) {
            memcpy(el->data, src, len);
            el->len = len;
        }
        rc = el->data ? 0 : -ENOMEM;
    } else {
        rc = rc == 0 ? -ENOENT : rc;
    }
    quicklist_iter_release(&it);
    return rc;
}

bool arg_list_end(struct cmd_ctx *c, int i, enum quicklist_end *end)
{
    if (arg_is(&c->argv[i], "LEFT"))
        *end = QUICKLIST_HEAD;
    else if (arg_is(&c->argv[i], "RIGHT"))
        *end = QUICKLIST_TAIL;
    else {
        reply_error(c->reply, ERR_SYNTAX);
        return false;
    }
    return true;
}

bool arg_block_timeout(struct cmd_ctx *c, int i, uint64_t *ms)
{
    long double seconds;
    if (!number_parse_ld(c->argv[i].ptr, c->argv[i].len, &seconds)) {
        reply_error(c->reply, "ERR timeout is not a float or out of range");
        return false;
    }
    /* Redis rounds up to whole milliseconds (so -0.0001 is 0: forever),
     * and converts with a C cast, which turns what does not fit (inf, 1e30)
     * into LLONG_MIN on x86: "negative". */
    long double scaled = ceill(seconds * 1000.0L);
    long long t = scaled >= -9.2233720368547758e18L && scaled < 9.2233720368547758e18L
                      ? (long long)scaled
                      : LLONG_MIN;
    if (t < 0) {
        reply_error(c->reply, "ERR timeout is negative");
        return false;
    }
    if (t > 0 && t > LLONG_MAX - c->now_ms) {
        reply_error(c->reply, "ERR timeout is out of range");
        return false;
    }
    *ms = (uint64_t)t;
    return true;
}
