/*
 * DEBUG DIGEST and DIGEST-VALUE (keyspace.h): Redis's digest of a dataset,
 * bit for bit, so that a dataset moved between Magpie and redis-server (a
 * dump, an AOF, a migration) can be checked by comparing one line.
 *
 * Redis defines it with two SHA-1 steps over a 20-byte accumulator:
 *   add(d, x): d ^= SHA1(x)            (order does not matter: sets, keys)
 *   mix(d, x): d = SHA1(d ^ SHA1(x))   (order matters: lists, fields)
 * A key's digest starts at zero: mix(key), mix(type as 4 big-endian bytes),
 * then the value: a string mixed; a list's elements mixed in order; a set's
 * members added; a sorted set's and a hash's elements added, each element
 * its own digest from zero, mix(member) mix(score as "%.17g") or
 * mix(field) mix(value); and add("!!expire!!") when the key has a TTL
 * (its time is not part of it). The dataset's digest starts at zero and,
 * for each database that has keys, mixes in its number then adds each
 * key's digest. Numbers stored as integers count as their decimal text.
 */
#include "store/keyspace_impl.h"

#include "core/sha1.h"
#include "core/strconv.h"
#include "store/hash_value.h"
#include "store/list.h"
#include "store/set_value.h"
#include "store/zset_value.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The digest's type numbers are Redis's OBJ_* codes. */
_Static_assert(VALUE_STRING == 0 && VALUE_LIST == 1 && VALUE_SET == 2 && VALUE_ZSET == 3 &&
                   VALUE_HASH == 4,
               "value types are numbered as Redis's object types");

static void digest_add(unsigned char d[SHA1_SIZE], const void *data, size_t len)
{
    unsigned char h[SHA1_SIZE];
    sha1_of(data, len, h);
    for (int i = 0; i < SHA1_SIZE; i++)
        d[i] ^= h[i];
}

static void digest_mix(unsigned char d[SHA1_SIZE], const void *data, size_t len)
{
    digest_add(d, data, len);
    sha1_of(d, SHA1_SIZE, d);
}

static void digest_mix_ll(unsigned char d[SHA1_SIZE], long long v)
{
    char buf[STRCONV_LL_BUF];
    digest_mix(d, buf, strconv_format_ll(buf, v));
}

static void digest_mix_score(unsigned char d[SHA1_SIZE], double score)
{
    char buf[64];
    int n = snprintf(buf, sizeof(buf), "%.17g", score);
    digest_mix(d, buf, (size_t)n);
}

static bool add_member(void *ctx, const struct set_member_ref *m)
{
    char buf[24];
    size_t len;
    const char *bytes = set_member_bytes(m, buf, &len);
    digest_add(ctx, bytes, len);
    return true;
}

static void add_field(void *ctx, const struct hash_bytes *field, const struct hash_bytes *value)
{
    unsigned char element[SHA1_SIZE] = {0};
    digest_mix(element, field->ptr, field->len);
    digest_mix(element, value->ptr, value->len);
    digest_add(ctx, element, sizeof(element));
}

/* 0, or -ENOMEM (a compressed list node could not be read). */
static int mix_list(unsigned char d[SHA1_SIZE], const struct quicklist *ql)
{
    struct quicklist_iter it;
    struct listpack_value v;
    int rc;
    quicklist_iter_init(&it, ql, 0, QUICKLIST_FORWARD);
    while ((rc = quicklist_iter_next(&it, &v)) == 1) {
        if (v.str)
            digest_mix(d, v.str, v.len);
        else
            digest_mix_ll(d, v.integer);
    }
    quicklist_iter_release(&it);
    return rc;
}

static void add_zset(unsigned char d[SHA1_SIZE], const struct value *v)
{
    if (zset_card(v) == 0)
        return;
    struct zset_iter it;
    struct zset_elem e;
    zset_iter_init(&it, v, 0, false);
    while (zset_iter_next(&it, &e)) {
        unsigned char element[SHA1_SIZE] = {0};
        digest_mix(element, e.ptr, e.len);
        digest_mix_score(element, e.score);
        digest_add(d, element, sizeof(element));
    }
}

/* Adds the type, value and TTL of e to d (Redis's xorObjectDigest).
 * 0 or -ENOMEM. */
static int digest_value(unsigned char d[SHA1_SIZE], const struct entry *e)
{
    struct value v;
    entry_value(e, &v);
    unsigned char type[4] = {0, 0, 0, (unsigned char)v.type};
    digest_mix(d, type, sizeof(type));
    int rc = 0;
    switch (v.type) {
    case VALUE_STRING:
        if (v.encoding == ENCODING_INT)
            digest_mix_ll(d, v.p.num);
        else
            digest_mix(d, v.p.str ? v.p.str->data : "", v.p.str ? v.p.str->len : 0);
        break;
    case VALUE_LIST:
        rc = mix_list(d, v.p.obj);
        break;
    case VALUE_SET:
        set_foreach(&v, add_member, d);
        break;
    case VALUE_ZSET:
        add_zset(d, &v);
        break;
    case VALUE_HASH:
        hash_foreach(&v, add_field, d);
        break;
    default:
        break; /* no other type is stored */
    }
    if (entry_expire_at(e) != ENTRY_NO_TTL)
        digest_add(d, "!!expire!!", 10);
    return rc;
}

/* One database's walk: its keys' digests added together. */
struct db_digest {
    unsigned char sum[SHA1_SIZE];
    uint64_t keys;
    int error;
};

static void digest_key(void *ctx, struct table_node *n)
{
    struct db_digest *w = ctx;
    const struct entry *e = entry_of(n);
    unsigned char d[SHA1_SIZE] = {0};
    digest_mix(d, entry_key(e), e->key_len);
    int rc = digest_value(d, e);
    if (rc && !w->error)
        w->error = rc;
    digest_add(w->sum, d, sizeof(d));
    w->keys++;
}

int keyspace_digest(struct keyspace *ks, unsigned char out[SHA1_SIZE])
{
    memset(out, 0, SHA1_SIZE);
    for (int db = 0; db < ks->databases; db++) {
        struct db_digest w = {{0}, 0, 0};
        uint32_t first = keyspace_db_first_shard(ks, db);
        /* Shard by shard, like KEYS: each shard's keys at one moment. */
        for (int i = 0; i < ks->shards_per_db && !w.error; i++) {
            struct shard *s = keyspace_shard(ks, first + (uint32_t)i);
            SHARD_GUARD (s) {
                table_foreach(&s->table, digest_key, &w);
            }
        }
        if (w.error)
            return w.error;
        if (w.keys == 0)
            continue;
        unsigned char number[4] = {(unsigned char)(db >> 24), (unsigned char)(db >> 16),
                                   (unsigned char)(db >> 8), (unsigned char)db};
        digest_mix(out, number, sizeof(number));
        for (int i = 0; i < SHA1_SIZE; i++)
            out[i] ^= w.sum[i];
    }
    return 0;
}

int keyspace_digest_value(struct keyspace *ks, int db, const void *key, size_t key_len,
                          unsigned char out[SHA1_SIZE])
{
    memset(out, 0, SHA1_SIZE);
    struct key k;
    key_locate(ks, db, key, key_len, &k);
    int rc = 0;
    SHARD_GUARD (k.shard) {
        /* As Redis: an expired key not reclaimed yet still counts. */
        const struct entry *e = do_find_stored(k.shard, &k);
        if (e)
            rc = digest_value(out, e);
    }
    return rc;
}
