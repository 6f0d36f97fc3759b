/*
 * What a key holds: a type tag, an encoding, and a one-word payload. Strings
 * are refcounted immutable buffers (core/bytes.h) or, when they spell a 64-bit
 * integer canonically, the integer itself. The aggregate types (list, set,
 * zset, hash, and any type a test adds) keep a pointer to their own structure
 * in `obj` and plug in through a table of operations (struct value_type_ops,
 * value_type_register): free, duplicate, memory usage (serialization joins
 * them with persistence). Adding a type touches neither the table nor the
 * entry layout.
 *
 * A published string buffer is never modified: a writer builds a new buffer
 * and swaps the pointer under the shard lock, so a reader holding a reference
 * (GET encoding after unlocking) keeps a consistent, immutable value. The one
 * exception is ENCODING_RAW_GROWABLE (store/strbuf.h), which lock-free
 * readers therefore never dereference.
 *
 * Lock-free readers and aggregates. A lock-free reader (store/shard_read.c)
 * dereferences a payload only when the entry's tag says VALUE_STRING; of any
 * other type it reads the entry's own fields (type, encoding, expiry) and
 * nothing behind `obj`. An aggregate is therefore mutated only under its
 * shard lock and may be freed as soon as it is unreachable from the table
 * (replaced or unlinked), with no EBR grace period: value_retire frees it at
 * once, and only string buffers wait for readers. Giving lock-free readers
 * an aggregate would mean retiring it through core/ebr like a string buffer.
 * (test/store/value_type_test.cc checks the rule under the sanitizers with a
 * type that poisons what it frees.)
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
#define VALUE_TYPES 8

/* At most 16 encodings: the entry keeps them in 4 bits. Names as OBJECT ENCODING. */
enum value_encoding {
    ENCODING_RAW = 0,    /* string in a buffer, built by APPEND/SETRANGE or longer than 44 */
    ENCODING_INT = 1,    /* string that is a canonical int64, stored as the number */
    ENCODING_EMBSTR = 2, /* string in a buffer of at most EMBSTR_MAX bytes */
    /* "raw" too, but built by APPEND/SETRANGE (store/strbuf.h) with spare
     * capacity, and so the only buffers that may be grown in place. */
    ENCODING_RAW_GROWABLE = 3,
    /* The aggregates' encodings, named as Redis 7 names them. */
    ENCODING_LISTPACK = 4,
    ENCODING_QUICKLIST = 5,
    ENCODING_INTSET = 6,
    ENCODING_HASHTABLE = 7,
    ENCODING_SKIPLIST = 8,
};
#define VALUE_ENCODINGS 16

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

/*
 * What a type plugs in. Every function gets the value's encoding and
 * payload; none may take a lock (they run under a shard lock, or on values
 * no table holds).
 */
struct value_type_ops {
    const char *name; /* as TYPE and SCAN TYPE spell it */
    /* Frees what the payload owns, now. */
    void (*free)(int encoding, union value_payload p);
    /* A deep copy for COPY (the copy may pick another encoding). 0 or -ENOMEM. */
    int (*duplicate)(const struct value *src, struct value *out);
    /* Bytes allocated for the payload (MEMORY USAGE, DEBUG OBJECT, core/ebr's
     * accounting when the value is retired): O(1), a count the type keeps. */
    size_t (*memory_usage)(int encoding, union value_payload p);
    /* DEBUG OBJECT: the size of the value's RDB encoding (NULL: 0), and the
     * type's own fields after the common ones (NULL: none), written into
     * buf as " name:value ..." (at most size bytes, NUL-terminated). */
    uint64_t (*serialized_length)(int encoding, union value_payload p);
    void (*debug_fields)(int encoding, union value_payload p, char *buf, size_t size);
    /* About how many allocations freeing the value takes (Redis's
     * lazyfreeGetFreeEffort), O(1); past LAZYFREE_THRESHOLD the value is
     * freed in the background (store/lazyfree.h). NULL: 1. */
    size_t (*free_effort)(int encoding, union value_payload p);
};

/* Installs the operations of a type (at start-up, before any value of it
 * exists; strings are built in). `ops` must outlive every value. */
void value_type_register(int type, const struct value_type_ops *ops);
/* The operations of a type, or NULL when none are registered. */
const struct value_type_ops *value_type_lookup(int type);

/* TYPE's answer ("none" for an unregistered tag). */
const char *value_type_name(int type);
const char *value_encoding_name(int encoding);

/* Drops what the payload owns, now. */
void value_release(int type, int encoding, union value_payload p);
/* value_release for a value that was in a table: a string's buffer waits for
 * lock-free readers that may still be copying it (core/ebr.h); an aggregate
 * goes at once (see above), a big one by the lazyfree thread
 * (store/lazyfree.h). Not inside a read section. */
void value_retire(int type, int encoding, union value_payload p);
/* A copy for COPY: strings share the immutable buffer (one more reference),
 * aggregates are copied by their type. Returns 0, -ENOMEM, or -ENOTSUP for a
 * type without operations. */
int value_duplicate(const struct value *src, struct value *out);
/* Bytes the value owns beyond the entry (0 for an integer). */
size_t value_memory_usage(const struct value *v);

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
