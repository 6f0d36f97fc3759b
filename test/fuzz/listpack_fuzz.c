/*
 * libFuzzer target for store/listpack, two ways, picked by bit 0 of byte 0:
 *
 * - Raw: the rest of the input is a candidate blob (RDB loading's hostile
 *   input), copied into an exact-size heap buffer so ASan sees any read past
 *   it. listpack_validate, shallow and deep, must never read outside; when
 *   the deep check accepts, walking forwards and backwards must give the same
 *   entries, seeks from both ends must land on them, and find must find them.
 *
 * - Ops: the rest is a stream of edits (append, prepend, insert before and
 *   after, replace, delete, range delete, seeks, finds, and edits under an
 *   injected allocation failure) applied both to a listpack and to a plain
 *   array of byte strings; after every op the two must hold the same entries,
 *   walked in both directions, and the listpack must pass the deep check.
 */
#include "store/listpack.h"

#include "core/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test/fuzz/fuzz.h"

enum {
    MAX_ENTRIES = 200,
    MAX_ELEMENT = 5000,
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

/* Entry pos read as bytes. */
static struct element read_entry(const struct listpack *lp, size_t pos,
                                 unsigned char buf[LISTPACK_INT_BUF])
{
    struct element e;
    e.bytes = (unsigned char *)listpack_get_bytes(lp, pos, &e.len, buf);
    return e;
}

static bool same(struct element a, struct element b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.bytes, b.bytes, a.len) == 0);
}

/* Walks a validated listpack both ways: the same entries, the count, and
 * (for every `stride`-th entry, to stay fast) seeks from both ends and find. */
static void check_walks(const struct listpack *lp, size_t stride)
{
    unsigned char buf[LISTPACK_INT_BUF], buf2[LISTPACK_INT_BUF];
    size_t count = listpack_count(lp), i = 0;
    for (size_t pos = listpack_first(lp); pos; pos = listpack_next(lp, pos), i++) {
        CHECK(i < count);
        if (i % stride)
            continue;
        struct element e = read_entry(lp, pos, buf);
        CHECK(listpack_seek(lp, (long)i) == pos);
        CHECK(listpack_seek(lp, (long)i - (long)count) == pos);
        size_t found = listpack_find(lp, listpack_first(lp), e.bytes, e.len, 0);
        CHECK(found && found <= pos && same(read_entry(lp, found, buf2), e));
    }
    CHECK(i == count);
    for (size_t pos = listpack_last(lp); pos; pos = listpack_prev(lp, pos)) {
        CHECK(i > 0);
        i--;
        CHECK(i % stride || listpack_seek(lp, (long)i) == pos);
    }
    CHECK(i == 0);
    CHECK(listpack_seek(lp, (long)count) == 0 && listpack_seek(lp, -(long)count - 1) == 0);
}

static void fuzz_raw(const uint8_t *data, size_t size)
{
    unsigned char *blob = malloc(size ? size : 1);
    CHECK(blob);
    memcpy(blob, data, size);
    bool shallow = listpack_validate(blob, size, false);
    bool deep = listpack_validate(blob, size, true);
    CHECK(shallow || !deep);
    if (deep)
        check_walks((const struct listpack *)blob, 1 + size / 256);
    free(blob);
}

/* An element from the stream: integers of every width, non-canonical
 * look-alikes, short strings of fuzzer bytes, long strings past 63 and 4095. */
static void make_element(struct input *in, unsigned char *out, size_t *len)
{
    uint8_t kind = take(in) % 6;
    if (kind == 0) {
        unsigned long long v = 0;
        for (int i = 0; i < 8; i++)
            v = v << 8 | take(in);
        *len = (size_t)snprintf((char *)out, MAX_ELEMENT, "%lld", (long long)v >> (take(in) % 64));
    } else if (kind == 1) {
        *len = (size_t)snprintf((char *)out, MAX_ELEMENT, "%d", (int)take(in) * 40 - 5000);
    } else if (kind == 2) {
        static const char *const odd[] = {"0",  "-0", "+1", "01",
                                          " 1", "-",  "",   "9223372036854775808"};
        const char *pick = odd[take(in) % 8];
        *len = strlen(pick);
        memcpy(out, pick, *len);
    } else if (kind == 3) {
        size_t high = take(in);
        *len = (high << 8 | take(in)) % MAX_ELEMENT;
        memset(out, take(in), *len);
    } else {
        *len = take(in) % 80;
        for (size_t i = 0; i < *len; i++)
            out[i] = take(in);
    }
}

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

/* The model's entries, walked forwards and backwards in the listpack. */
static void check_model(const struct listpack *lp, const struct model *m)
{
    unsigned char buf[LISTPACK_INT_BUF];
    CHECK(listpack_count(lp) == m->count);
    size_t i = 0;
    for (size_t pos = listpack_first(lp); pos; pos = listpack_next(lp, pos), i++)
        CHECK(i < m->count && same(read_entry(lp, pos, buf), m->entries[i]));
    CHECK(i == m->count);
    for (size_t pos = listpack_last(lp); pos; pos = listpack_prev(lp, pos))
        CHECK(i > 0 && same(read_entry(lp, pos, buf), m->entries[--i]));
    CHECK(i == 0);
    CHECK(listpack_validate(lp, listpack_bytes(lp), true));
}

enum op {
    OP_APPEND,
    OP_PREPEND,
    OP_INSERT_BEFORE,
    OP_INSERT_AFTER,
    OP_REPLACE, /* the last op that adds an element */
    OP_DELETE,
    OP_DELETE_RANGE,
    OP_SEEK_AND_FIND,
    OP_FAILING_ALLOCATION, /* one of the adding ops, its first allocation failing */
    OP_COUNT,
};

/* Applies an adding op at the entry `pos`. */
static int add(struct listpack **lp, enum op op, size_t pos, const unsigned char *s, size_t len)
{
    if (op == OP_APPEND)
        return listpack_append(lp, s, len);
    if (op == OP_PREPEND)
        return listpack_prepend(lp, s, len);
    if (op == OP_REPLACE)
        return listpack_replace(lp, pos, s, len);
    size_t new_pos = 0;
    enum listpack_where where = op == OP_INSERT_AFTER ? LISTPACK_AFTER : LISTPACK_BEFORE;
    int err = listpack_insert(lp, pos, where, s, len, &new_pos);
    unsigned char buf[LISTPACK_INT_BUF];
    struct element wanted = {(unsigned char *)s, len};
    CHECK(err || same(read_entry(*lp, new_pos, buf), wanted));
    return err;
}

static void model_add(struct model *m, enum op op, size_t index, const unsigned char *s, size_t len)
{
    if (op == OP_REPLACE)
        model_delete(m, index, 1);
    size_t at = op == OP_APPEND ? m->count : op == OP_PREPEND ? 0 : index;
    model_insert(m, op == OP_INSERT_AFTER ? at + 1 : at, s, len);
}

/* One adding op, its first allocation failing: either it needed none (a
 * replace that does not grow) and succeeded, or it failed and changed
 * nothing. Returns whether it succeeded. */
static bool add_failing(struct listpack **lp, enum op op, size_t pos, const unsigned char *s,
                        size_t len)
{
    size_t bytes = listpack_bytes(*lp);
    unsigned char *before = malloc(bytes);
    CHECK(before);
    memcpy(before, *lp, bytes);
    struct listpack *old = *lp;
    mem_fail_after(0);
    int err = add(lp, op, pos, s, len);
    mem_fail_reset();
    if (err) {
        CHECK(err == -ENOMEM && *lp == old && listpack_bytes(*lp) == bytes);
        CHECK(memcmp(before, *lp, bytes) == 0);
    }
    free(before);
    return err == 0;
}

static void fuzz_ops(struct input *in)
{
    static unsigned char element[MAX_ELEMENT];
    struct model m = {.count = 0};
    struct listpack *lp = listpack_new();
    CHECK(lp);
    while (in->size > 0) {
        enum op op = take(in) % OP_COUNT;
        bool failing = op == OP_FAILING_ALLOCATION;
        if (failing)
            op = take(in) % (OP_REPLACE + 1);
        size_t index = m.count ? take(in) % m.count : 0;
        long seek_index = take(in) & 1 ? (long)index - (long)m.count : (long)index;
        size_t pos = listpack_seek(lp, seek_index);
        CHECK(!m.count || pos);
        if (!m.count && op != OP_PREPEND && op != OP_DELETE_RANGE)
            op = OP_APPEND;
        if (m.count == MAX_ENTRIES && op < OP_REPLACE)
            op = OP_DELETE;
        if (op == OP_DELETE) {
            size_t n = 1 + take(in) % 3;
            size_t next = listpack_delete(&lp, pos, n);
            model_delete(&m, index, n);
            CHECK(index < m.count ? next == listpack_seek(lp, (long)index) : next == 0);
        } else if (op == OP_DELETE_RANGE) {
            size_t n = take(in) % 8;
            size_t left = m.count - index;
            CHECK(listpack_delete_range(&lp, seek_index, n) ==
                  (m.count ? (n < left ? n : left) : 0));
            if (m.count)
                model_delete(&m, index, n);
        } else if (op == OP_SEEK_AND_FIND) {
            unsigned char buf[LISTPACK_INT_BUF];
            CHECK(!m.count || same(read_entry(lp, pos, buf), m.entries[index]));
            if (m.count) {
                struct element e = m.entries[index];
                size_t found = listpack_find(lp, listpack_first(lp), e.bytes, e.len, 0);
                CHECK(found && found <= pos && same(read_entry(lp, found, buf), e));
            }
        } else {
            size_t len;
            make_element(in, element, &len);
            bool added = true;
            if (failing)
                added = add_failing(&lp, op, pos, element, len);
            else
                CHECK(add(&lp, op, pos, element, len) == 0);
            if (added)
                model_add(&m, op, index, element, len);
        }
        check_model(lp, &m);
    }
    model_delete(&m, 0, m.count);
    listpack_free(lp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct input in = {data + 1, size - 1};
    if (data[0] & 1)
        fuzz_raw(in.data, in.size);
    else
        fuzz_ops(&in);
    return 0;
}
