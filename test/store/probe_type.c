/*
 * A value type that exists only in the tests ("probe"), plugged in through
 * value_type_ops as the real aggregate types are: a heap object holding a
 * string, freed (after poisoning) by its own free function. It proves that
 * adding a type touches neither the table nor the entry, and that lock-free
 * readers never dereference an aggregate.
 */
#include "probe_type.h"

#include "store/keyspace_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_MAGIC 0x50524f42u

struct probe {
    uint32_t magic;
    size_t len;
    char data[];
};

static ATOMIC(long) live_probes;

static struct probe *probe_new(const char *data, size_t len)
{
    struct probe *p = malloc(sizeof(*p) + len);
    if (!p)
        return NULL;
    p->magic = PROBE_MAGIC;
    p->len = len;
    memcpy(p->data, data, len);
    atomic_fetch_add(&live_probes, 1);
    return p;
}

static void probe_free(int encoding, union value_payload v)
{
    (void)encoding;
    struct probe *p = v.obj;
    if (p->magic != PROBE_MAGIC)
        abort(); /* freed twice, or never a probe */
    memset(p, 0xdd, sizeof(*p) + p->len);
    free(p);
    atomic_fetch_sub(&live_probes, 1);
}

static int probe_duplicate(const struct value *src, struct value *out)
{
    const struct probe *p = src->p.obj;
    struct probe *copy = probe_new(p->data, p->len);
    if (!copy)
        return -ENOMEM;
    *out = *src;
    out->p.obj = copy;
    return 0;
}

static size_t probe_memory(int encoding, union value_payload v)
{
    (void)encoding;
    return sizeof(struct probe) + ((struct probe *)v.obj)->len;
}

static const struct value_type_ops probe_ops = {
    .name = "probe",
    .free = probe_free,
    .duplicate = probe_duplicate,
    .memory_usage = probe_memory,
};

void probe_type_register(void)
{
    value_type_register(PROBE_TYPE, &probe_ops);
}

long probe_live_count(void)
{
    return atomic_load(&live_probes);
}

int probe_put(struct keyspace *ks, int db, const char *key, size_t key_len, const char *data,
              size_t len, int64_t now_ms)
{
    struct value v = {.type = PROBE_TYPE, .encoding = ENCODING_HASHTABLE};
    v.p.obj = probe_new(data, len);
    if (!v.p.obj)
        return -ENOMEM;
    struct key k;
    key_locate(ks, db, key, key_len, &k);
    bool stored = false;
    SHARD_GUARD (k.shard)
        stored = do_put(k.shard, &k, &v, now_ms);
    if (!stored)
        value_release(v.type, v.encoding, v.p);
    return stored ? 0 : -ENOMEM;
}

static int do_probe_read(struct shard *s, const struct key *k, int64_t now_ms, char *buf,
                         size_t cap) REQUIRES(&s->lock)
{
    struct entry *e = do_lookup(s, k, now_ms, LOOKUP_READ, NULL);
    if (!e)
        return -ENOENT;
    if (entry_type(e) != PROBE_TYPE)
        return -EINVAL;
    const struct probe *p = entry_payload(e).obj;
    if (p->magic != PROBE_MAGIC || p->len > cap)
        return -EFAULT;
    memcpy(buf, p->data, p->len);
    return (int)p->len;
}

int probe_read(struct keyspace *ks, int db, const char *key, size_t key_len, int64_t now_ms,
               char *buf, size_t cap)
{
    struct key k;
    key_locate(ks, db, key, key_len, &k);
    int rc = -ENOENT;
    SHARD_GUARD (k.shard)
        rc = do_probe_read(k.shard, &k, now_ms, buf, cap);
    return rc;
}
