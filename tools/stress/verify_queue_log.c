/* The per-connection event log of --queue --verify, and the items. */
#include "tools/stress/verify.h"
#include "tools/stress/verify_queue.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(QUEUE_ITEM_HEADER_MAX == VERIFY_VALUE_HEADER_MAX, "items are verify values");

void queue_log_init(struct queue_log *log, uint32_t id)
{
    memset(log, 0, sizeof(*log));
    log->id = id;
}

void queue_log_free(struct queue_log *log)
{
    free(log->pushes);
    free(log->pops);
    memset(log, 0, sizeof(*log));
}

/* Makes room for one more element; false (and log->oom) when out of memory. */
static bool reserve(struct queue_log *log, void **array, size_t count, size_t *cap, size_t size)
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

uint64_t queue_log_push_sent(struct queue_log *log, uint32_t queue, uint64_t send_ns)
{
    if (!reserve(log, (void **)&log->pushes, log->push_count, &log->push_cap, sizeof(*log->pushes)))
        return log->push_count + 1; /* the run goes on; the check will refuse */
    log->pushes[log->push_count] = (struct queue_push){queue, send_ns, QUEUE_NOT_ACKED};
    return ++log->push_count;
}

void queue_log_push_acked(struct queue_log *log, uint64_t seq, uint64_t ack_ns)
{
    if (seq == 0 || seq > log->push_count)
        return; /* only after oom */
    assert(log->pushes[seq - 1].ack_ns == QUEUE_NOT_ACKED);
    log->pushes[seq - 1].ack_ns = ack_ns;
}

void queue_log_pop(struct queue_log *log, uint32_t queue, uint64_t send_ns, uint64_t recv_ns,
                   const char *value, size_t len)
{
    if (!reserve(log, (void **)&log->pops, log->pop_count, &log->pop_cap, sizeof(*log->pops)))
        return;
    struct queue_pop p = {send_ns, recv_ns, 0, 0, 0, queue, QUEUE_POP_ITEM};
    if (queue_item_decode(value, len, &p.item_queue, &p.producer, &p.seq) < 0)
        p.kind = QUEUE_POP_MALFORMED;
    log->pops[log->pop_count++] = p;
}

void queue_log_pops_in_doubt(struct queue_log *log, uint64_t count)
{
    log->pops_in_doubt += count;
}

void queue_log_protocol_error(struct queue_log *log)
{
    log->protocol_errors++;
}

size_t queue_item_encode(char *buf, size_t size, uint32_t queue, uint32_t producer, uint64_t seq,
                         size_t item_size)
{
    return verify_value_encode(buf, size, queue, producer, seq, item_size);
}

int queue_item_decode(const char *buf, size_t len, uint32_t *queue, uint32_t *producer,
                      uint64_t *seq)
{
    uint64_t q;
    if (verify_value_decode(buf, len, &q, producer, seq) < 0 || q > UINT32_MAX)
        return -EINVAL;
    *queue = (uint32_t)q;
    return 0;
}
