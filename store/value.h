/*
 * What a key holds: a type tag, an encoding, and a one-word payload. Strings
 * are refcounted immutable buffers (core/bytes.h) or, when they spell a 64-bit
 * integer canonically, the integer itself. The aggregate types (list, set,
 * zset, hash, stream) will keep a pointer to their own structure in `obj` and
 * register how to free and copy it in value.c, so adding one touches neither
 * the table nor the entry layout. Commands check the type with value_is() and
 * answer WRONGTYPE otherwise.
 *
 * A published string buffer is never modified: a writer builds a new buffer
 * and swaps the pointer under the shard lock, so a reader holding a reference
 * (GET encoding after unlocking) keeps a consistent, immutable value. The one
 * exception is ENCODING_RAW_GROWABLE (store/strbuf.h), which lock-free
 * readers therefore never dereference.
 */
#ifndef MAGPIE_STORE_VALUE_H
#define MAGPIE_STORE_VALUE_H

#include "core/bytes.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* At most 8 types: the entry keeps the tag in 3 bits. */
enum value_type {
    VALUE_STRING = 0,
    VALUE_LIST = 1,
    VALUE_SET = 2,
    VALUE_ZSET = 3,
    VALUE_HASH = 4,
    VALUE_STREAM = 5,
};

/* At most 16 encodings: the entry keeps them in 4 bits. Names as OBJECT ENCODING. */
enum value_encoding {
    ENCODING_RAW = 0,    /* string in a buffer, built by APPEND/SETRANGE or longer than 44 */
    ENCODING_INT = 1,    /* string that is a canonical int64, stored as the number */
    ENCODING_EMBSTR = 2, /* string in a buffer of at most EMBSTR_MAX bytes */
    /* "raw" too, but built by APPEND/SETRANGE (store/strbuf.h) with spare
     * capacity, and so the only buffers that may be grown in place. */
    ENCODING_RAW_GROWABLE = 3,
};

/* Redis's OBJ_ENCODING_EMBSTR_SIZE_LIMIT: what OBJECT ENCODING calls embstr. */
#define EMBSTR_MAX 44

union value_payload {
    struct bytes *str; /* VALUE_STRING, ENCODING_RAW / ENCODING_EMBSTR: one reference owned */
    int64_t num;       /* VALUE_STRING, ENCODING_INT */
    void *obj;         /* aggregate types */
};

/* A value outside the table, e.g. moved from one entry to another. */
struct value {
    union value_payload p;
    uint8_t type;
    uint8_t encoding;
};

const char *value_type_name(int type);
const char *value_encoding_name(int encoding);

/* Drops what the payload owns. */
void value_release(int type, int encoding, union value_payload p);
/* value_release for a value that was in a table: lock-free readers may still
 * be copying it, so the drop waits for them (core/ebr.h). Not inside a read
 * section. */
void value_retire(int type, int encoding, union value_payload p);
/* Bytes of memory the payload owns (a string's buffer; 0 for INT): what
 * releasing it may give back, for core/ebr's accounting. */
size_t value_owned_bytes(int type, int encoding, union value_payload p);
/* A copy for COPY: strings share the immutable buffer (one more reference).
 * Returns 0 or -ENOMEM. */
int value_duplicate(const struct value *src, struct value *out);

/*
 * A string value built from request bytes, encoded as Redis's
 * tryObjectEncoding would: canonical integers (at most 20 characters) as INT,
 * at most 44 bytes as EMBSTR, otherwise RAW. When `owner` is the argument's
 * own buffer (a big argument), a reference is taken instead of a copy.
 * Returns 0 or -ENOMEM.
 */
int value_string_from_arg(const char *ptr, size_t len, struct bytes *owner, struct value *out);
/* A buffer built by store/strbuf.h (APPEND, SETRANGE): RAW_GROWABLE, the
 * reference passes to the value. */
void value_string_growable(struct bytes *b, struct value *out);
void value_string_int(int64_t n, struct value *out);
/* A copy of bytes as EMBSTR or RAW by length, never INT (INCRBYFLOAT's
 * result "3" stays a string, as in Redis). */
int value_string_copy(const char *ptr, size_t len, struct value *out);

/* Length in bytes of a string value (STRLEN): digits for INT. */
size_t value_string_len(int encoding, union value_payload p);

#ifdef __cplusplus
}
#endif
#endif
