/*
 * libFuzzer target for store/quicklist. The first two bytes pick the fill
 * (1, 2, 3, 4, 8, 16, 0, -1 .. -5) and the compress depth (0 .. 3); the
 * rest is a stream of operations applied both to a quicklist and to a plain
 * array of byte strings: push and pop at both ends (also many at once), get and set by index,
 * insert before and after an index or a pivot, range delete, LREM from
 * either end, iteration both ways from an index, a deep copy, and any of
 * the changes with the n-th allocation failing. After every operation the
 * two must hold the same elements (read forwards and backwards) and
 * quicklist_check must pass; while no allocation has failed, the compress
 * depth's rule must hold too. A failed change must leave the list as it was
 * (LREM: minus what it reports removed).
 */
#include "store/quicklist.h"

#include "core/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test/fuzz/fuzz.h"

enum {
    MAX_ENTRIES = 400,
    MAX_ELEMENT = 70000, /* past the largest node, 64 KB */
    MAX_NODES = MAX_ENTRIES,
};

struct input {
    const uint8_t *data;
    size_t size;
};

static uint8_t take(struct input *in)
{
    if (in->size == 0)
        return 0;
    in->size--;
    return *in->data++;
}

struct element {
    unsigned char *bytes;
    size_t len;
};

struct model {
    struct element entries[MAX_ENTRIES];
    size_t count;
};

static void model_insert(struct model *m, size_t at, const unsigned char *s, size_t len)
{
    memmove(&m->entries[at + 1], &m->entries[at], (m->count - at) * sizeof(m->entries[0]));
    m->entries[at].bytes = malloc(len ? len : 1);
    CHECK(m->entries[at].bytes);
    memcpy(m->entries[at].bytes, s, len);
    m->entries[at].len = len;
    m->count++;
}

static void model_delete(struct model *m, size_t at, size_t n)
{
    if (n > m->count - at)
        n = m->count - at;
    for (size_t i = at; i < at + n; i++)
        free(m->entries[i].bytes);
    memmove(&m->entries[at], &m->entries[at + n], (m->count - at - n) * sizeof(m->entries[0]));
    m->count -= n;
}

static bool same(const struct element *e, const void *s, size_t len)
{
    return e->len == len && (len == 0 || memcmp(e->bytes, s, len) == 0);
}

/* A value read from the list, as bytes. */
static bool value_is(const struct listpack_value *v, const struct element *e)
{
    if (v->str)
        return same(e, v->str, v->len);
    char buf[LISTPACK_INT_BUF];
    int n = snprintf(buf, sizeof(buf), "%lld", v->integer);
    return same(e, buf, (size_t)n);
}

/* Reads `count` elements from index in one direction; they must be the
 * model's, from `from` (the index as a position). */
static void check_range(const struct quicklist *ql, const struct model *m, long index, size_t from,
                        size_t count, bool forward)
{
    struct quicklist_iter it;
    quicklist_iter_init(&it, ql, index, forward ? QUICKLIST_FORWARD : QUICKLIST_BACKWARD);
    struct listpack_value v;
    size_t i = from, seen = 0;
    int rc = 0;
    while (seen < count && (rc = quicklist_iter_next(&it, &v)) == 1) {
        CHECK(i < m->count && value_is(&v, &m->entries[i]));
        seen++;
        i = forward ? i + 1 : i - 1;
    }
    CHECK(seen == count || (rc == 0 && (forward ? i == m->count : seen == from + 1)));
    quicklist_iter_release(&it);
}

/* Depth d: the d nodes at each end plain, every other node compressed or
 * found not worth it. */
static void check_compression(const struct quicklist *ql)
{
    static struct quicklist_node_info nodes[MAX_NODES + 2];
    size_t n = quicklist_layout(ql, nodes, MAX_NODES + 2);
    CHECK(n <= MAX_NODES + 2);
    size_t depth = (size_t)quicklist_compress_depth(ql);
    for (size_t i = 0; i < n; i++) {
        bool interior = depth > 0 && i >= depth && n - 1 - i >= depth;
        CHECK(interior || !nodes[i].compressed);
        CHECK(!interior || nodes[i].compressed || nodes[i].incompressible);
    }
}

static void check_model(const struct quicklist *ql, const struct model *m, bool settled)
{
    CHECK(quicklist_check(ql) == NULL);
    CHECK(quicklist_count(ql) == m->count);
    if (m->count) {
        check_range(ql, m, 0, 0, m->count, true);
        check_range(ql, m, -1, m->count - 1, m->count, false);
    }
    if (settled)
        check_compression(ql);
}

/* An element: integers of every width, non-canonical look-alikes, short and
 * long strings, repetitive ones that compress, and now and then one bigger
 * than any node. */
static void make_element(struct input *in, unsigned char *out, size_t *len)
{
    uint8_t kind = take(in) % 8;
    if (kind == 0) {
        unsigned long long v = 0;
        for (int i = 0; i < 8; i++)
            v = v << 8 | take(in);
        *len = (size_t)snprintf((char *)out, 32, "%lld", (long long)v >> (take(in) % 64));
    } else if (kind == 1) {
        static const char *const odd[] = {"0", "-0", "+1", "01", " 1", "-", "", "12"};
        const char *pick = odd[take(in) % 8];
        *len = strlen(pick);
        memcpy(out, pick, *len);
    } else if (kind == 2) {
        size_t high = take(in);
        *len = (high << 8 | take(in)) % 5000;
        memset(out, 'a' + take(in) % 3, *len);
    } else if (kind == 3 && take(in) % 8 == 0) {
        *len = MAX_ELEMENT;
        memset(out, 'B', *len);
    } else {
        *len = take(in) % 40;
        for (size_t i = 0; i < *len; i++)
            out[i] = take(in) % 4 ? (unsigned char)('a' + i % 7) : take(in);
    }
}

enum op {
    OP_PUSH_HEAD,
    OP_PUSH_TAIL,
    OP_SET,
    OP_INSERT_BEFORE,
    OP_INSERT_AFTER,
    OP_INSERT_PIVOT,
    OP_POP_HEAD,
    OP_POP_TAIL,
    OP_DELETE_RANGE,
    OP_REMOVE, /* the last op that can be made to fail */
    OP_READ,
    OP_BULK, /* many pushes at once, to reach long lists with little input */
    OP_DUP,
    OP_FAILING, /* one of the above, its n-th allocation failing */
    OP_COUNT,
};

static int keep_popped(void *ctx, const struct listpack_value *v)
{
    return value_is(v, ctx) ? 0 : -EINVAL;
}

/* Applies a change to both; with `fail_after` >= 0 the list's allocations
 * fail from that one on, and a failure must change nothing. Returns whether
 * the list stayed settled (no optional work was skipped). */
static bool apply(struct quicklist *ql, struct model *m, enum op op, struct input *in,
                  long fail_after, unsigned char *element)
{
    size_t index = m->count ? take(in) % m->count : 0;
    long signed_index = take(in) & 1 ? (long)index - (long)m->count : (long)index;
    size_t len = 0;
    if (op <= OP_INSERT_PIVOT)
        make_element(in, element, &len);
    if (m->count == 0 && op >= OP_SET && op <= OP_INSERT_PIVOT)
        op = OP_PUSH_TAIL;
    if (m->count == MAX_ENTRIES && op <= OP_INSERT_PIVOT && op != OP_SET)
        op = OP_POP_HEAD;
    size_t want_removed = 0, removed = 0;
    long count = (long)(take(in) % 7) - 3;
    long start = (long)(take(in) % (2 * m->count + 3)) - (long)m->count - 1;
    size_t span = take(in) % 4 == 0 ? take(in) : take(in) % 6;
    mem_fail_after(fail_after);
    int rc;
    switch (op) {
    case OP_PUSH_HEAD:
    case OP_PUSH_TAIL:
        rc = quicklist_push(ql, op == OP_PUSH_HEAD ? QUICKLIST_HEAD : QUICKLIST_TAIL, element, len);
        break;
    case OP_SET:
        rc = quicklist_set(ql, signed_index, element, len);
        break;
    case OP_INSERT_BEFORE:
    case OP_INSERT_AFTER:
        rc = quicklist_insert(ql, signed_index,
                              op == OP_INSERT_AFTER ? LISTPACK_AFTER : LISTPACK_BEFORE, element,
                              len);
        break;
    case OP_INSERT_PIVOT: {
        const struct element *pivot = &m->entries[index];
        rc = quicklist_insert_at_pivot(ql, LISTPACK_AFTER, pivot->bytes, pivot->len, element, len);
        CHECK(rc != 0); /* the pivot is there */
        rc = rc == 1 ? 0 : rc;
        for (index = 0; !same(&m->entries[index], pivot->bytes, pivot->len); index++)
            ;
        break;
    }
    case OP_POP_HEAD:
    case OP_POP_TAIL:
        if (m->count == 0) {
            rc = quicklist_pop(ql, QUICKLIST_HEAD, NULL, NULL);
            CHECK(rc == -ENOENT);
            rc = 0;
            break;
        }
        index = op == OP_POP_HEAD ? 0 : m->count - 1;
        rc = quicklist_pop(ql, op == OP_POP_HEAD ? QUICKLIST_HEAD : QUICKLIST_TAIL, keep_popped,
                           &m->entries[index]);
        break;
    case OP_DELETE_RANGE:
        rc = quicklist_delete_range(ql, start, span);
        break;
    default: {
        const struct element *e = &m->entries[index];
        const unsigned char *s = m->count ? e->bytes : element;
        size_t slen = m->count ? e->len : 0;
        rc = quicklist_remove(ql, s, slen, count, &removed);
        CHECK(rc == 0 || rc == -ENOMEM);
        /* The model loses the first `removed` matches from that end. */
        unsigned char *copy = malloc(slen ? slen : 1);
        CHECK(copy);
        memcpy(copy, s, slen);
        size_t limit = count == 0 ? SIZE_MAX : (size_t)(count < 0 ? -count : count);
        if (count >= 0) {
            for (size_t i = 0; i < m->count && want_removed < limit;)
                if (same(&m->entries[i], copy, slen) && (rc == 0 || want_removed < removed))
                    model_delete(m, i, 1), want_removed++;
                else
                    i++;
        } else {
            for (size_t i = m->count; i-- > 0 && want_removed < limit;)
                if (same(&m->entries[i], copy, slen) && (rc == 0 || want_removed < removed))
                    model_delete(m, i, 1), want_removed++;
        }
        free(copy);
        CHECK(removed == want_removed);
        long injected = mem_failures_injected();
        mem_fail_reset();
        return fail_after < 0 || injected == 0;
    }
    }
    long injected = mem_failures_injected();
    mem_fail_reset();
    if (fail_after < 0)
        CHECK(rc == 0);
    if (rc) {
        CHECK(rc == -ENOMEM && injected > 0);
        return true; /* unchanged, so as settled as before */
    }
    if (op <= OP_INSERT_PIVOT) {
        if (op == OP_SET)
            model_delete(m, index, 1);
        size_t at = op == OP_PUSH_HEAD                       ? 0
                    : op == OP_PUSH_TAIL                     ? m->count
                    : op == OP_SET || op == OP_INSERT_BEFORE ? index
                                                             : index + 1;
        model_insert(m, at, element, len);
    } else if (op == OP_POP_HEAD || op == OP_POP_TAIL) {
        if (m->count)
            model_delete(m, index, 1);
    } else {
        long from = start < 0 ? start + (long)m->count : start;
        if (from >= 0 && (size_t)from < m->count)
            model_delete(m, (size_t)from, span);
    }
    return fail_after < 0 || injected == 0;
}

static void read_some(const struct quicklist *ql, const struct model *m, struct input *in)
{
    if (!m->count)
        return;
    size_t index = take(in) % m->count;
    long signed_index = take(in) & 1 ? (long)index - (long)m->count : (long)index;
    bool forward = take(in) & 1;
    size_t count = take(in) % 50;
    size_t left = forward ? m->count - index : index + 1;
    check_range(ql, m, signed_index, index, count < left ? count : left, forward);
}

/* Pushes up to 63 elements made from one pattern and a counter: integers,
 * or strings of a length the input picks. */
static void bulk_push(struct quicklist *ql, struct model *m, struct input *in)
{
    uint8_t how = take(in);
    size_t n = take(in) % 64, pad = take(in) % 200;
    enum quicklist_end end = how & 1 ? QUICKLIST_HEAD : QUICKLIST_TAIL;
    unsigned char buf[256];
    for (size_t i = 0; i < n && m->count < MAX_ENTRIES; i++) {
        size_t len;
        if (how & 2) {
            len = (size_t)snprintf((char *)buf, sizeof(buf), "%ld", (long)(i * 977) - 3000);
        } else {
            memset(buf, 'p', pad);
            len = pad + (size_t)snprintf((char *)buf + pad, sizeof(buf) - pad, "%zu", i % 10);
        }
        CHECK(quicklist_push(ql, end, buf, len) == 0);
        model_insert(m, end == QUICKLIST_HEAD ? 0 : m->count, buf, len);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int fills[] = {1, 2, 3, 4, 8, 16, 0, -1, -2, -3, -4, -5};
    static unsigned char element[MAX_ELEMENT];
    struct input in = {data, size};
    int fill = fills[take(&in) % 12];
    int compress = take(&in) % 4;
    struct quicklist *ql = quicklist_new(fill, compress);
    CHECK(ql);
    struct model m = {.count = 0};
    bool settled = true;
    while (in.size > 0) {
        enum op op = take(&in) % OP_COUNT;
        if (op == OP_READ) {
            read_some(ql, &m, &in);
        } else if (op == OP_BULK) {
            bulk_push(ql, &m, &in);
        } else if (op == OP_DUP) {
            struct quicklist *copy = quicklist_dup(ql);
            CHECK(copy && quicklist_bytes(copy) == quicklist_bytes(ql));
            check_model(copy, &m, settled);
            quicklist_free(copy);
        } else if (op == OP_FAILING) {
            long fail_after = take(&in) % 8;
            settled &= apply(ql, &m, take(&in) % (OP_REMOVE + 1), &in, fail_after, element);
        } else {
            settled &= apply(ql, &m, op, &in, -1, element);
        }
        check_model(ql, &m, settled);
    }
    model_delete(&m, 0, m.count);
    quicklist_free(ql);
    return 0;
}
