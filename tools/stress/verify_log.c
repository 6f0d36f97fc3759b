/* The per-client event log of --verify, and the self-describing SET values. */
#include "tools/stress/verify.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void verify_log_init(struct verify_log *log, uint32_t client)
{
    memset(log, 0, sizeof(*log));
    log->client = client;
}

void verify_log_free(struct verify_log *log)
{
    free(log->sets);
    free(log->gets);
    free(log->incrs);
    memset(log, 0, sizeof(*log));
}

/* Makes room for one more element; false (and log->oom) when out of memory. */
static bool reserve(struct verify_log *log, void **array, size_t count, size_t *cap, size_t size)
{
    if (count < *cap)
        return true;
    size_t want = *cap ? *cap * 2 : 1024;
    void *grown = realloc(*array, want * size);
    if (!grown) {
        log->oom = true;
        return false;
    }
    *array = grown;
    *cap = want;
    return true;
}

uint64_t verify_log_next_order(struct verify_log *log)
{
    return log->next_order++;
}

uint64_t verify_log_set_sent(struct verify_log *log, uint64_t key, uint64_t order, uint64_t send_ns)
{
    if (!reserve(log, (void **)&log->sets, log->set_count, &log->set_cap, sizeof(*log->sets)))
        return log->set_count + 1; /* the run goes on; the check will refuse */
    log->sets[log->set_count] = (struct verify_set){key, order, send_ns, VERIFY_NOT_ACKED};
    return ++log->set_count;
}

void verify_log_set_acked(struct verify_log *log, uint64_t seq, uint64_t ack_ns)
{
    if (seq == 0 || seq > log->set_count)
        return; /* only after oom */
    assert(log->sets[seq - 1].ack_ns == VERIFY_NOT_ACKED);
    log->sets[seq - 1].ack_ns = ack_ns;
}

void verify_log_get(struct verify_log *log, uint64_t key, uint64_t order, uint64_t send_ns,
                    uint64_t recv_ns, const char *value, size_t len)
{
    if (!reserve(log, (void **)&log->gets, log->get_count, &log->get_cap, sizeof(*log->gets)))
        return;
    struct verify_get g = {key, order, send_ns, recv_ns, 0, 0, VERIFY_READ_NIL};
    if (value) {
        uint64_t value_key;
        g.kind = VERIFY_READ_VALUE;
        if (verify_value_decode(value, len, &value_key, &g.writer, &g.seq) < 0 || value_key != key)
            g.kind = VERIFY_READ_MALFORMED;
    }
    log->gets[log->get_count++] = g;
}

void verify_log_incr(struct verify_log *log, uint64_t key, bool acked, long long result)
{
    if (!reserve(log, (void **)&log->incrs, log->incr_count, &log->incr_cap, sizeof(*log->incrs)))
        return;
    log->incrs[log->incr_count++] = (struct verify_incr){key, acked ? result : 0, acked};
}

void verify_log_protocol_error(struct verify_log *log)
{
    log->protocol_errors++;
}

/*
 * "mv:<key>:<writer>:<seq>;" padded with '.' to value_size. The padding is
 * checked on decode, so a truncated or spliced value is caught too.
 */
size_t verify_value_encode(char *buf, size_t size, uint64_t key, uint32_t writer, uint64_t seq,
                           size_t value_size)
{
    int n = snprintf(buf, size, "mv:%llu:%u:%llu;", (unsigned long long)key, writer,
                     (unsigned long long)seq);
    assert(n > 0 && (size_t)n < size && n <= VERIFY_VALUE_HEADER_MAX);
    size_t len = (size_t)n;
    if (value_size > len) {
        assert(value_size <= size);
        memset(buf + len, '.', value_size - len);
        len = value_size;
    }
    return len;
}

/* Reads decimal digits up to `stop`; advances *p past it. */
static int read_number(const char **p, const char *end, char stop, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;
    if (s == end || *s < '0' || *s > '9')
        return -EINVAL;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -EINVAL;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    if (s == end || *s != stop)
        return -EINVAL;
    *p = s + 1;
    *out = v;
    return 0;
}

int verify_value_decode(const char *buf, size_t len, uint64_t *key, uint32_t *writer, uint64_t *seq)
{
    const char *p = buf, *end = buf + len;
    uint64_t w;
    if (len < 3 || memcmp(buf, "mv:", 3) != 0)
        return -EINVAL;
    p += 3;
    if (read_number(&p, end, ':', key) < 0 || read_number(&p, end, ':', &w) < 0 ||
        read_number(&p, end, ';', seq) < 0 || w > UINT32_MAX)
        return -EINVAL;
    for (; p < end; p++)
        if (*p != '.')
            return -EINVAL;
    *writer = (uint32_t)w;
    return 0;
}
