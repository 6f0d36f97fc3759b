/*
 * queue_verify_check(): the anomaly counts of a --queue --verify run, from
 * the producers' and consumers' logs. See verify_queue.h for what is checked
 * and why each rule is sound. Memory is a small multiple of the logs: one
 * pop counter per push, and sorted references to the valid pops.
 */
#include "tools/stress/verify_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A pop of an item that was pushed, for the order rules. */
struct pop_ref {
    uint32_t producer;
    uint32_t queue;
    uint32_t consumer;
    size_t index; /* in the consumer's log: its connection order */
    uint64_t seq;
    uint64_t send_ns;
    uint64_t recv_ns;
    size_t id; /* position in the unsorted array: its verdict */
};

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

/* One producer's items on one queue form a group; the order rules run per group. */
static int cmp_group(const struct pop_ref *a, const struct pop_ref *b)
{
    int c = cmp_u64(a->producer, b->producer);
    return c ? c : cmp_u64(a->queue, b->queue);
}

static int cmp_connection_order(const void *pa, const void *pb)
{
    const struct pop_ref *a = pa, *b = pb;
    int c = cmp_group(a, b);
    if (!c)
        c = cmp_u64(a->consumer, b->consumer);
    return c ? c : cmp_u64(a->index, b->index);
}

static int cmp_send(const void *pa, const void *pb)
{
    const struct pop_ref *a = pa, *b = pb;
    int c = cmp_group(a, b);
    return c ? c : cmp_u64(a->send_ns, b->send_ns);
}

static int cmp_recv(const void *pa, const void *pb)
{
    const struct pop_ref *a = pa, *b = pb;
    int c = cmp_group(a, b);
    return c ? c : cmp_u64(a->recv_ns, b->recv_ns);
}

/* Was the pop of an item its producer pushed, to the queue it came from? */
static bool pop_is_known(const struct queue_log *producers, size_t producer_count,
                         const struct queue_pop *p)
{
    if (p->kind != QUEUE_POP_ITEM || p->producer >= producer_count || p->item_queue != p->queue)
        return false;
    const struct queue_log *log = &producers[p->producer];
    if (p->seq < 1 || p->seq > log->push_count)
        return false;
    const struct queue_push *push = &log->pushes[p->seq - 1];
    return push->queue == p->queue && push->send_ns <= p->recv_ns;
}

/*
 * Rule 1: within one consumer's pops of one group, in connection order, a
 * sequence below the highest one before it is out of order.
 */
static void check_connection_order(struct pop_ref *refs, size_t n, bool *late)
{
    qsort(refs, n, sizeof(*refs), cmp_connection_order);
    uint64_t highest = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || cmp_group(&refs[i], &refs[i - 1]) != 0 ||
            refs[i].consumer != refs[i - 1].consumer)
            highest = 0;
        if (refs[i].seq < highest)
            late[refs[i].id] = true;
        else
            highest = refs[i].seq;
    }
}

/*
 * Rule 2: per group, sweep the pops in send order while folding in every pop
 * whose reply arrived strictly before that send (by_recv, in recv order): a
 * pop below the highest sequence folded in is out of order.
 */
static void check_real_time_order(struct pop_ref *by_send, struct pop_ref *by_recv, size_t n,
                                  bool *late)
{
    qsort(by_send, n, sizeof(*by_send), cmp_send);
    qsort(by_recv, n, sizeof(*by_recv), cmp_recv);
    size_t k = 0;
    uint64_t highest = 0;
    for (size_t i = 0; i < n; i++) {
        const struct pop_ref *b = &by_send[i];
        if (i == 0 || cmp_group(b, &by_send[i - 1]) != 0) {
            highest = 0;
            while (k < n && cmp_group(&by_recv[k], b) < 0)
                k++;
        }
        for (; k < n && cmp_group(&by_recv[k], b) == 0 && by_recv[k].recv_ns < b->send_ns; k++)
            if (by_recv[k].seq > highest)
                highest = by_recv[k].seq;
        if (b->seq < highest)
            late[b->id] = true;
    }
}

/* Counts the pops of each push; fills refs with the known pops. */
static void count_pops(const struct queue_log *producers, size_t producer_count,
                       const struct queue_log *consumers, size_t consumer_count, uint32_t **popped,
                       struct pop_ref *refs, size_t *ref_count, struct queue_verify_result *out)
{
    size_t n = 0;
    for (uint32_t c = 0; c < consumer_count; c++) {
        for (size_t i = 0; i < consumers[c].pop_count; i++) {
            const struct queue_pop *p = &consumers[c].pops[i];
            if (!pop_is_known(producers, producer_count, p)) {
                out->items_unknown++;
                continue;
            }
            uint32_t *count = &popped[p->producer][p->seq - 1];
            if (*count < UINT32_MAX)
                (*count)++;
            refs[n] =
                (struct pop_ref){p->producer, p->queue, c, i, p->seq, p->send_ns, p->recv_ns, n};
            n++;
        }
    }
    *ref_count = n;
}

static void count_deliveries(const struct queue_log *producers, size_t producer_count,
                             uint32_t *const *popped, struct queue_verify_result *out)
{
    for (size_t p = 0; p < producer_count; p++) {
        for (size_t s = 0; s < producers[p].push_count; s++) {
            uint32_t count = popped[p][s];
            bool acked = producers[p].pushes[s].ack_ns != QUEUE_NOT_ACKED;
            out->pushes_acked += acked;
            out->pushes_in_doubt += !acked;
            if (acked && count == 0)
                out->missing++;
            if (count > 1)
                out->items_duplicated += count - 1;
        }
    }
    out->items_lost = out->missing > out->pops_in_doubt ? out->missing - out->pops_in_doubt : 0;
}

static int check_order(struct pop_ref *refs, size_t n, struct queue_verify_result *out)
{
    struct pop_ref *copy = malloc((n ? n : 1) * sizeof(*copy));
    bool *late = calloc(n ? n : 1, sizeof(*late));
    if (!copy || !late) {
        free(copy);
        free(late);
        return -ENOMEM;
    }
    if (n)
        memcpy(copy, refs, n * sizeof(*refs));
    check_connection_order(refs, n, late);
    check_real_time_order(refs, copy, n, late);
    for (size_t i = 0; i < n; i++)
        out->out_of_order += late[i];
    free(copy);
    free(late);
    return 0;
}

static bool logs_valid(const struct queue_log *logs, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (logs[i].id != i || logs[i].oom)
            return false;
    return true;
}

int queue_verify_check(const struct queue_log *producers, size_t producer_count,
                       const struct queue_log *consumers, size_t consumer_count,
                       struct queue_verify_result *out)
{
    memset(out, 0, sizeof(*out));
    if (!logs_valid(producers, producer_count) || !logs_valid(consumers, consumer_count))
        return -EINVAL;
    size_t pops = 0;
    for (size_t i = 0; i < producer_count; i++)
        out->protocol_errors += producers[i].protocol_errors;
    for (size_t i = 0; i < consumer_count; i++) {
        out->protocol_errors += consumers[i].protocol_errors;
        out->pops_in_doubt += consumers[i].pops_in_doubt;
        pops += consumers[i].pop_count;
    }
    out->pops = pops;
    uint32_t **popped = calloc(producer_count + 1, sizeof(*popped));
    struct pop_ref *refs = malloc((pops ? pops : 1) * sizeof(*refs));
    int rc = popped && refs ? 0 : -ENOMEM;
    for (size_t p = 0; rc == 0 && p < producer_count; p++)
        if (!(popped[p] = calloc(producers[p].push_count + 1, sizeof(uint32_t))))
            rc = -ENOMEM;
    if (rc == 0) {
        size_t n;
        count_pops(producers, producer_count, consumers, consumer_count, popped, refs, &n, out);
        count_deliveries(producers, producer_count, popped, out);
        rc = check_order(refs, n, out);
    }
    for (size_t p = 0; popped && p < producer_count; p++)
        free(popped[p]);
    free(popped);
    free(refs);
    return rc;
}
