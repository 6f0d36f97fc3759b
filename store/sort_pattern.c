/*
 * SORT's BY and GET patterns (store/cmd_sort.h): parsing them as Redis
 * does, building the key an element names, reading what it holds under the
 * locks the command took, and the arena the results are copied into.
 */
#include "store/cmd_sort.h"

#include "core/alloc.h"

#include <string.h>

void sort_pattern_parse(const struct resp_arg *a, struct sort_pattern *out)
{
    *out = (struct sort_pattern){.ptr = a->ptr, .len = a->len};
    /* Redis looks with strchr / strstr: only up to the first NUL. */
    size_t clen = strnlen(a->ptr, a->len);
    if (clen == 1 && a->ptr[0] == '#') {
        out->self = true;
        return;
    }
    const char *star = memchr(a->ptr, '*', clen);
    if (!star)
        return;
    out->names_key = true;
    out->prefix = (size_t)(star - a->ptr);
    const char *after = star + 1, *end = a->ptr + clen;
    const char *arrow = memmem(after, (size_t)(end - after), "->", 2);
    if (arrow && arrow + 2 < end) {
        out->field = arrow + 2;
        /* The field is everything after the arrow, NULs included. */
        out->field_len = a->len - (size_t)(out->field - a->ptr);
    }
    out->postfix = a->len - out->prefix - 1 - (out->field ? out->field_len + 2 : 0);
}

void sort_scratch_free(struct sort_scratch *s)
{
    mem_free(s->buf);
    s->buf = NULL;
    s->cap = 0;
}

bool sort_pattern_key(struct cmd_ctx *c, const struct sort_pattern *p, const char *elem,
                      size_t elen, struct sort_scratch *s, struct key *k)
{
    size_t need = p->prefix + elen + p->postfix;
    if (need > s->cap) {
        size_t cap = need < 64 ? 64 : need * 2;
        char *buf = mem_realloc(s->buf, cap);
        if (!buf)
            return false;
        s->buf = buf;
        s->cap = cap;
    }
    memcpy(s->buf, p->ptr, p->prefix);
    if (elen)
        memcpy(s->buf + p->prefix, elem, elen);
    memcpy(s->buf + p->prefix + elen, p->ptr + p->prefix + 1, p->postfix);
    key_locate(c->ks, c->db, s->buf, need, k);
    return true;
}

bool do_sort_lookup(struct cmd_ctx *c, const struct sort_pattern *p, const char *elem, size_t elen,
                    struct sort_scratch *s, struct sort_value *out)
{
    out->found = false;
    out->snap.present = false;
    out->snap.buf = NULL;
    if (p->self) {
        *out = (struct sort_value){.found = true, .ptr = elem, .len = elen};
        return true;
    }
    if (!p->names_key)
        return true;
    struct key k;
    if (!sort_pattern_key(c, p, elem, elen, s, &k))
        return false;
    shard_assume_held(k.shard);
    struct entry *e = do_lookup(k.shard, &k, c->now_ms, LOOKUP_READ, NULL);
    if (!e)
        return true;
    if (p->field) {
        if (entry_type(e) != VALUE_HASH)
            return true;
        struct value v;
        entry_value(e, &v);
        if (!hash_get(&v, p->field, p->field_len, &out->field))
            return true;
        out->found = true;
        out->ptr = (const char *)out->field.ptr;
        out->len = out->field.len;
        return true;
    }
    if (entry_type(e) != VALUE_STRING)
        return true;
    do_string_snapshot(k.shard, e, &out->snap);
    out->found = true;
    out->ptr = snapshot_data(&out->snap, out->digits, &out->len);
    return true;
}

void sort_value_release(struct sort_value *v)
{
    if (v->snap.present)
        snapshot_release(&v->snap);
    v->snap.present = false;
}

/* ---- the arena ---- */

struct sort_chunk {
    struct sort_chunk *next;
    size_t used, cap;
    char data[];
};

#define SORT_CHUNK_SIZE 16384

char *sort_arena_copy(struct sort_arena *a, const void *data, size_t len)
{
    struct sort_chunk *c = a->head;
    if (!c || c->cap - c->used < len + 1) {
        size_t cap = len + 1 > SORT_CHUNK_SIZE ? len + 1 : SORT_CHUNK_SIZE;
        c = mem_alloc(sizeof(*c) + cap);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        /* A big copy gets a chunk of its own behind the current one, so the
         * current one's room is not wasted. */
        if (a->head && cap > SORT_CHUNK_SIZE) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = a->head;
            a->head = c;
        }
    }
    char *out = c->data + c->used;
    if (len)
        memcpy(out, data, len);
    out[len] = '\0';
    c->used += len + 1;
    return out;
}

void sort_arena_free(struct sort_arena *a)
{
    while (a->head) {
        struct sort_chunk *next = a->head->next;
        mem_free(a->head);
        a->head = next;
    }
}
