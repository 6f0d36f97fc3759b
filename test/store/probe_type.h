// The tests' own value type (probe_type.c), registered through
// value_type_ops like a real aggregate.
#ifndef MAGPIE_TEST_STORE_PROBE_TYPE_H
#define MAGPIE_TEST_STORE_PROBE_TYPE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct keyspace;

#define PROBE_TYPE 7 /* a tag no real type uses */

void probe_type_register(void);
// Probes allocated and not yet freed, in the whole process.
long probe_live_count(void);
// SET-like: key gets a new probe holding data (its TTL removed). 0 or -errno.
int probe_put(struct keyspace *ks, int db, const char *key, size_t key_len, const char *data,
              size_t len, int64_t now_ms);
// Copies the probe's data into buf: its length, -ENOENT (missing), -EINVAL
// (another type), -EFAULT (not a live probe).
int probe_read(struct keyspace *ks, int db, const char *key, size_t key_len, int64_t now_ms,
               char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
