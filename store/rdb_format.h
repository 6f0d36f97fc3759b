/*
 * What the RDB files share (store/rdb_*.c only): Redis 7.0's type and
 * opcode bytes, length encodings, and the bounded reader every load goes
 * through. Numbers as Redis's rdb.h defines them (RDB version 10).
 */
#ifndef MAGPIE_STORE_RDB_FORMAT_H
#define MAGPIE_STORE_RDB_FORMAT_H

#include "store/rdb.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum rdb_type {
    RDB_TYPE_STRING = 0,
    RDB_TYPE_LIST = 1,
    RDB_TYPE_SET = 2,
    RDB_TYPE_ZSET = 3,
    RDB_TYPE_HASH = 4,
    RDB_TYPE_ZSET_2 = 5,
    RDB_TYPE_MODULE = 6,
    RDB_TYPE_MODULE_2 = 7,
    RDB_TYPE_HASH_ZIPMAP = 9,
    RDB_TYPE_LIST_ZIPLIST = 10,
    RDB_TYPE_SET_INTSET = 11,
    RDB_TYPE_ZSET_ZIPLIST = 12,
    RDB_TYPE_HASH_ZIPLIST = 13,
    RDB_TYPE_LIST_QUICKLIST = 14,
    RDB_TYPE_STREAM_LISTPACKS = 15,
    RDB_TYPE_HASH_LISTPACK = 16,
    RDB_TYPE_ZSET_LISTPACK = 17,
    RDB_TYPE_LIST_QUICKLIST_2 = 18,
    RDB_TYPE_STREAM_LISTPACKS_2 = 19,
};

enum rdb_opcode {
    RDB_OPCODE_FUNCTION2 = 245,
    RDB_OPCODE_FUNCTION = 246,
    RDB_OPCODE_MODULE_AUX = 247,
    RDB_OPCODE_IDLE = 248,
    RDB_OPCODE_FREQ = 249,
    RDB_OPCODE_AUX = 250,
    RDB_OPCODE_RESIZEDB = 251,
    RDB_OPCODE_EXPIRETIME_MS = 252,
    RDB_OPCODE_EXPIRETIME = 253,
    RDB_OPCODE_SELECTDB = 254,
    RDB_OPCODE_EOF = 255,
};

/* Length prefixes: 00 6 bits, 01 14 bits, 0x80 32 bits BE, 0x81 64 bits BE,
 * 11 a special string encoding. */
#define RDB_6BITLEN   0
#define RDB_14BITLEN  1
#define RDB_32BITLEN  0x80
#define RDB_64BITLEN  0x81
#define RDB_ENCVAL    3
#define RDB_ENC_INT8  0
#define RDB_ENC_INT16 1
#define RDB_ENC_INT32 2
#define RDB_ENC_LZF   3

/* Quicklist 2 node containers. */
#define RDB_QUICKLIST_PLAIN  1
#define RDB_QUICKLIST_PACKED 2

/* A long long as Redis's rdbSaveLongLongAsStringObject writes it. */
void rdb__write_ll(struct rdb_writer *w, long long v);

/* Bytes in memory, read front to back; every read checks what is left. A
 * failed read sets `failed` and returns zero/NULL; callers check once. */
struct rdb_reader {
    const unsigned char *p;
    const unsigned char *end;
    bool failed;
    struct keyspace *ks;   /* limits for the values built (encodings) */
    struct rdb_error *err; /* may be NULL */
};

void rdb__fail(struct rdb_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int rdb__read_byte(struct rdb_reader *r);
const unsigned char *rdb__read_raw(struct rdb_reader *r, size_t n);
/* A length; *encoded (may be NULL) tells a special string encoding. */
uint64_t rdb__read_len(struct rdb_reader *r, bool *encoded);
/* A string into a new mem_alloc buffer (*len bytes, NUL-terminated);
 * NULL on failure. */
char *rdb__read_string(struct rdb_reader *r, size_t *len);
/* One value of an RDB type into *out (0, -EINVAL, -ENOMEM). */
int rdb__read_value(struct rdb_reader *r, int rdb_type, struct value *out);

/* Sorted sets (store/rdb_zset.c): whether an RDB type is one, reading one
 * (as rdb__read_value), and writing one's value (ZSET_LISTPACK or ZSET_2). */
bool rdb__is_zset_type(int rdb_type);
int rdb__read_zset(struct rdb_reader *r, int rdb_type, struct value *out);
void rdb__write_zset(struct rdb_writer *w, const struct value *v);

/* Redis's name for an RDB type Magpie cannot load ("stream", "zset"). */
const char *rdb__type_name(int rdb_type);

#endif
