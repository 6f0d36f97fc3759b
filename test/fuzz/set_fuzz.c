/*
 * libFuzzer target for the set value (store/set_value.h): its packed
 * encodings (intset, listpack) and their conversions to the table, checked
 * against a reference model (a plain array of byte strings).
 *
 * The first bytes choose the thresholds (set-max-intset-entries,
 * set-max-listpack-entries, set-max-listpack-value, kept small so the
 * conversions happen); the rest is a stream of adds (some under an injected
 * allocation failure), removes, membership tests, random picks, full walks
 * and copies, applied to the set and to the model. After every op they hold
 * the same members, and the encoding obeys its rules: an intset holds only
 * canonical integers, a listpack at most the entries and bytes its
 * thresholds allow, and a set never goes back to a smaller encoding.
 */
#include "store/set_value.h"

#include "core/alloc.h"
#include "core/strconv.h"
#include "store/table.h"

#include <errno.h>
#include <string.h>

#include "test/fuzz/fuzz.h"

enum { MAX_MEMBERS = 200, MAX_LEN = 24 };

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

struct member {
    size_t len;
    char bytes[MAX_LEN];
};

struct model {
    int n;
    struct member m[MAX_MEMBERS];
};

static int model_find(const struct model *md, const char *p, size_t len)
{
    for (int i = 0; i < md->n; i++)
        if (md->m[i].len == len && memcmp(md->m[i].bytes, p, len) == 0)
            return i;
    return -1;
}

/* Integers (canonical or not) and strings, so every encoding is reached. */
static void make_member(struct input *in, struct member *out)
{
    uint8_t kind = take(in) % 5;
    if (kind == 0) { /* a small integer: collisions are likely */
        out->len = strconv_format_ll(out->bytes, (long long)(take(in) % 32) - 8);
    } else if (kind == 1) { /* any 64-bit integer */
        uint64_t v = 0;
        for (int i = 0; i < 8; i++)
            v = v << 8 | take(in);
        out->len = strconv_format_ll(out->bytes, (long long)v);
    } else if (kind == 2) { /* not canonical: "07", "-0", "+3" */
        static const char *const odd[] = {"07", "-0", "+3", " 1", "1 ", "", "00"};
        const char *s = odd[take(in) % 7];
        out->len = strlen(s);
        memcpy(out->bytes, s, out->len);
    } else { /* bytes */
        out->len = take(in) % MAX_LEN;
        for (size_t i = 0; i < out->len; i++)
            out->bytes[i] = (char)(kind == 3 ? 'a' + take(in) % 4 : take(in));
    }
}

static int rank(int encoding)
{
    return encoding == ENCODING_INTSET ? 0 : encoding == ENCODING_LISTPACK ? 1 : 2;
}

struct walk {
    const struct model *md;
    int seen;
    bool bad;
    bool marks[MAX_MEMBERS];
};

static bool walk_visit(void *ctx, const struct set_member_ref *m)
{
    struct walk *w = ctx;
    char buf[24];
    size_t len;
    const char *p = set_member_bytes(m, buf, &len);
    int i = model_find(w->md, p, len);
    if (i < 0 || w->marks[i])
        w->bad = true;
    else
        w->marks[i] = true;
    w->seen++;
    return true;
}

static void check_same(const struct value *v, const struct model *md, const struct set_limits *lim)
{
    CHECK(v->type == VALUE_SET);
    CHECK(set_size(v) == (uint64_t)md->n);
    struct walk w = {.md = md};
    set_foreach(v, walk_visit, &w);
    CHECK(!w.bad && w.seen == md->n);
    for (int i = 0; i < md->n; i++) {
        CHECK(set_contains(v, md->m[i].bytes, md->m[i].len));
        long long num;
        if (v->encoding == ENCODING_INTSET)
            CHECK(strconv_parse_ll(md->m[i].bytes, md->m[i].len, &num));
        if (v->encoding == ENCODING_LISTPACK)
            CHECK(md->m[i].len <= lim->max_listpack_value);
    }
    if (v->encoding == ENCODING_LISTPACK)
        CHECK((uint64_t)md->n <= lim->max_listpack_entries);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = {data, size};
    struct set_limits lim = {
        .max_intset_entries = take(&in) % 10,
        .max_listpack_entries = take(&in) % 10,
        .max_listpack_value = take(&in) % 24,
    };
    static struct model md;
    md.n = 0;
    struct member first;
    make_member(&in, &first);
    struct value v;
    if (set_value_new(&lim, first.bytes, first.len, 1 + take(&in) % 4, &v) != 0)
        return 0;
    int top = rank(v.encoding);
    uint64_t rng = 1 + take(&in);
    while (in.size > 0) {
        struct member m;
        uint8_t op = take(&in) % 7;
        make_member(&in, &m);
        bool present = model_find(&md, m.bytes, m.len) >= 0;
        if (op <= 1) { /* add, op 1 with an allocation failing */
            if (op == 1)
                mem_fail_after(take(&in) % 4);
            int rc = set_add(&v, &lim, m.bytes, m.len);
            mem_fail_reset();
            CHECK(rc == -ENOMEM ? op == 1 : rc == (present ? 0 : 1));
            if (rc == 1 && md.n < MAX_MEMBERS)
                md.m[md.n++] = m;
            else if (rc == 1) /* the model is full: undo */
                CHECK(set_remove(&v, m.bytes, m.len));
        } else if (op == 2) {
            CHECK(set_remove(&v, m.bytes, m.len) == present);
            int i = model_find(&md, m.bytes, m.len);
            if (i >= 0)
                md.m[i] = md.m[--md.n];
        } else if (op == 3) {
            CHECK(set_contains(&v, m.bytes, m.len) == present);
        } else if (op == 4 && md.n > 0) {
            struct set_member_ref r;
            set_random_member(&v, &rng, &r);
            char buf[24];
            size_t len;
            const char *p = set_member_bytes(&r, buf, &len);
            CHECK(model_find(&md, p, len) >= 0);
        } else if (op == 5 && md.n > 0) {
            struct value copy;
            if (set_value_duplicate(&v, &copy) == 0) {
                CHECK(copy.encoding == v.encoding);
                check_same(&copy, &md, &lim);
                set_value_free(&copy);
            }
        }
        CHECK(rank(v.encoding) >= top); /* never back */
        top = rank(v.encoding);
        check_same(&v, &md, &lim);
    }
    set_value_free(&v);
    return 0;
}
