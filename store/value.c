#include "store/value.h"

#include "core/ebr.h"
#include "store/number.h"

#include <assert.h>
#include <errno.h>
#include <stddef.h>

static const char *const type_names[] = {
    [VALUE_STRING] = "string", [VALUE_LIST] = "list", [VALUE_SET] = "set",
    [VALUE_ZSET] = "zset",     [VALUE_HASH] = "hash", [VALUE_STREAM] = "stream",
};

static const char *const encoding_names[] = {
    [ENCODING_RAW] = "raw",
    [ENCODING_INT] = "int",
    [ENCODING_EMBSTR] = "embstr",
    [ENCODING_RAW_GROWABLE] = "raw",
};

const char *value_type_name(int type)
{
    if (type < 0 || (size_t)type >= ARRAY_SIZE(type_names) || !type_names[type])
        return "none";
    return type_names[type];
}

const char *value_encoding_name(int encoding)
{
    if (encoding < 0 || (size_t)encoding >= ARRAY_SIZE(encoding_names) || !encoding_names[encoding])
        return "unknown";
    return encoding_names[encoding];
}

static bool string_has_buffer(int encoding)
{
    return encoding != ENCODING_INT;
}

void value_release(int type, int encoding, union value_payload p)
{
    switch (type) {
    case VALUE_STRING:
        if (string_has_buffer(encoding))
            bytes_unref(p.str);
        return;
    default:
        /* Aggregate types register their destructor here when they land. */
        assert(p.obj == NULL);
        return;
    }
}

size_t value_owned_bytes(int type, int encoding, union value_payload p)
{
    if (type == VALUE_STRING && string_has_buffer(encoding) && p.str)
        return bytes_alloc_size(p.str->len);
    return 0;
}

static void unref_buffer(void *b)
{
    bytes_unref(b);
}

void value_retire(int type, int encoding, union value_payload p)
{
    /* Sized: a big value is given back at once, not after more retires. */
    if (type == VALUE_STRING && string_has_buffer(encoding) && p.str)
        ebr_retire_sized(p.str, unref_buffer, value_owned_bytes(type, encoding, p));
    else
        value_release(type, encoding, p);
}

int value_duplicate(const struct value *src, struct value *out)
{
    *out = *src;
    switch (src->type) {
    case VALUE_STRING:
        /* Immutable once published: the copy shares the buffer. */
        if (string_has_buffer(src->encoding) && src->p.str)
            bytes_ref(src->p.str);
        return 0;
    default:
        return -ENOTSUP;
    }
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
    if (len <= 20 && number_parse_ll(ptr, len, &n)) {
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
        return (size_t)number_ll_len(p.num);
    return p.str ? p.str->len : 0;
}
