#include "store/value.h"

#include "core/ebr.h"
#include "store/lazyfree.h"
#include "core/strconv.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>

static const char *const encoding_names[VALUE_ENCODINGS] = {
    [ENCODING_RAW] = "raw",           [ENCODING_INT] = "int",
    [ENCODING_EMBSTR] = "embstr",     [ENCODING_RAW_GROWABLE] = "raw",
    [ENCODING_LISTPACK] = "listpack", [ENCODING_QUICKLIST] = "quicklist",
    [ENCODING_INTSET] = "intset",     [ENCODING_HASHTABLE] = "hashtable",
    [ENCODING_SKIPLIST] = "skiplist",
};

static bool string_has_buffer(int encoding)
{
    return encoding != ENCODING_INT;
}

static void string_free(int encoding, union value_payload p)
{
    if (string_has_buffer(encoding))
        bytes_unref(p.str);
}

static int string_duplicate(const struct value *src, struct value *out)
{
    /* Immutable once published: the copy shares the buffer. */
    *out = *src;
    if (string_has_buffer(src->encoding) && src->p.str)
        bytes_ref(src->p.str);
    return 0;
}

static size_t string_memory_usage(int encoding, union value_payload p)
{
    return string_has_buffer(encoding) && p.str ? bytes_alloc_size(p.str->len) : 0;
}

static const struct value_type_ops string_ops = {
    .name = "string",
    .free = string_free,
    .duplicate = string_duplicate,
    .memory_usage = string_memory_usage,
};

/* The types Redis has and Magpie does not yet: named, so TYPE and SCAN TYPE
 * know them, but without operations (no value of them can exist). */
static const struct value_type_ops unbuilt_types[VALUE_TYPES] = {
    [VALUE_LIST] = {.name = "list"},     [VALUE_SET] = {.name = "set"},
    [VALUE_ZSET] = {.name = "zset"},     [VALUE_HASH] = {.name = "hash"},
    [VALUE_STREAM] = {.name = "stream"},
};

/* Written at start-up only (value_type_register), read by every thread. */
static const struct value_type_ops *type_ops[VALUE_TYPES] = {[VALUE_STRING] = &string_ops};

void value_type_register(int type, const struct value_type_ops *ops)
{
    assert(type >= 0 && type < VALUE_TYPES && ops && ops->free && ops->duplicate);
    /* Every keyspace_new registers the built-in types again (the tests make
     * many keyspaces): only a change is written, so a second keyspace does
     * not race the lazyfree thread reading the table for the first one's
     * values. */
    if (type_ops[type] != ops)
        type_ops[type] = ops;
}

const struct value_type_ops *value_type_lookup(int type)
{
    if (type < 0 || type >= VALUE_TYPES)
        return NULL;
    return type_ops[type];
}

const char *value_type_name(int type)
{
    const struct value_type_ops *ops = value_type_lookup(type);
    if (ops)
        return ops->name;
    if (type >= 0 && type < VALUE_TYPES && unbuilt_types[type].name)
        return unbuilt_types[type].name;
    return "none";
}

const char *value_encoding_name(int encoding)
{
    if (encoding < 0 || encoding >= VALUE_ENCODINGS || !encoding_names[encoding])
        return "unknown";
    return encoding_names[encoding];
}

void value_release(int type, int encoding, union value_payload p)
{
    const struct value_type_ops *ops = value_type_lookup(type);
    if (ops)
        ops->free(encoding, p);
    else /* a tag without a type holds nothing (tests put such values) */
        assert(p.obj == NULL);
}

static void unref_buffer(void *b)
{
    bytes_unref(b);
}

void value_retire(int type, int encoding, union value_payload p)
{
    if (type != VALUE_STRING) { /* readers never dereference it (value.h) */
        struct value v = {.p = p, .type = (uint8_t)type, .encoding = (uint8_t)encoding};
        lazyfree_value(&v);
    } else if (string_has_buffer(encoding) && p.str) /* sized: a big one goes back at once */
        ebr_retire_sized(p.str, unref_buffer, string_memory_usage(encoding, p));
}

int value_duplicate(const struct value *src, struct value *out)
{
    const struct value_type_ops *ops = value_type_lookup(src->type);
    if (!ops)
        return -ENOTSUP;
    return ops->duplicate(src, out);
}

size_t value_memory_usage(const struct value *v)
{
    const struct value_type_ops *ops = value_type_lookup(v->type);
    return ops && ops->memory_usage ? ops->memory_usage(v->encoding, v->p) : 0;
}

static int string_buffer(const char *ptr, size_t len, struct bytes *owner, struct value *out)
{
    struct bytes *b;
    if (owner && owner->data == ptr && owner->len == len) {
        b = bytes_ref(owner);
    } else {
        b = bytes_new(ptr, len);
        if (!b)
            return -ENOMEM;
    }
    out->type = VALUE_STRING;
    out->encoding = len <= EMBSTR_MAX ? ENCODING_EMBSTR : ENCODING_RAW;
    out->p.str = b;
    return 0;
}

int value_string_from_arg(const char *ptr, size_t len, struct bytes *owner, struct value *out)
{
    long long n;
    if (len <= 20 && strconv_parse_ll(ptr, len, &n)) {
        value_string_int(n, out);
        return 0;
    }
    return string_buffer(ptr, len, owner, out);
}

int value_string_copy(const char *ptr, size_t len, struct value *out)
{
    return string_buffer(ptr, len, NULL, out);
}

void value_string_growable(struct bytes *b, struct value *out)
{
    out->type = VALUE_STRING;
    out->encoding = ENCODING_RAW_GROWABLE;
    out->p.str = b;
}

void value_string_int(int64_t n, struct value *out)
{
    out->type = VALUE_STRING;
    out->encoding = ENCODING_INT;
    out->p.num = n;
}

size_t value_string_len(int encoding, union value_payload p)
{
    if (encoding == ENCODING_INT)
        return strconv_ll_len(p.num);
    return p.str ? p.str->len : 0;
}
