/*
 * --verify: correctness under contention, as a pure module. Clients append
 * what they sent and what came back to their own struct verify_log (no
 * sharing, no locks, nothing slowed down beyond an append); after the run,
 * verify_check() reads every log and counts anomalies. Tests feed it events
 * by hand.
 *
 * The workload. Every client is a writer with a dense id. Its SETs carry
 * values that name the key, the writer and the writer's sequence number
 * (verify_value_encode), so any value read back identifies the exact write
 * that produced it. Its INCRs go to counter keys that were deleted before
 * the run. Each connection executes its requests in order, so a writer's
 * sequence order is also the server's execution order of its writes.
 *
 * What is checked, all derived from facts that hold whatever the timing, so
 * a correct server can never be reported:
 *  - every value read was actually written: it decodes, names the key it was
 *    read from, and the writer had sent that SET before the reply came;
 *  - no stale read against the past: write X is known to have taken effect
 *    by time t once its OK arrived, or once some read returned it, before t
 *    ("observed"). A GET sent after X was observed must not return a value
 *    known to precede X: an earlier write of the same writer, or a write
 *    observed before X was sent. A GET must not return nil once any write to
 *    its key was observed;
 *  - no stale read against the client's own session: a GET must not return
 *    a value known to precede the client's own earlier SET on that
 *    connection, nor the value its own previous GET of that key returned;
 *  - no lost update: each counter's final value equals the number of
 *    acknowledged INCRs (plus at most the INCRs whose reply never came, for
 *    a connection that died), and no two INCRs of one counter returned the
 *    same number.
 * Timestamps are CLOCK_MONOTONIC, taken before a request is written and
 * after its reply was read, so they bracket what the server did.
 */
#ifndef MAGPIE_STRESS_VERIFY_H
#define MAGPIE_STRESS_VERIFY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VERIFY_NOT_ACKED        UINT64_MAX
#define VERIFY_COUNTER_UNKNOWN  LLONG_MIN
/* verify_value_encode never writes more than max(value_size, this). */
#define VERIFY_VALUE_HEADER_MAX 64
/* The final check reads every key back, so the key space is bounded. */
#define VERIFY_MAX_KEYS         (1u << 22)

/* One SET, at index seq - 1 of its writer's log. */
struct verify_set {
    uint64_t key;
    uint64_t order; /* position in the connection's request stream */
    uint64_t send_ns;
    uint64_t ack_ns; /* VERIFY_NOT_ACKED until its +OK arrived */
};

enum verify_read_kind { VERIFY_READ_VALUE, VERIFY_READ_NIL, VERIFY_READ_MALFORMED };

/* One GET and what it returned. */
struct verify_get {
    uint64_t key;
    uint64_t order;
    uint64_t send_ns;
    uint64_t recv_ns;
    uint64_t seq; /* decoded from the value (VERIFY_READ_VALUE) */
    uint32_t writer;
    enum verify_read_kind kind;
};

struct verify_incr {
    uint64_t key;
    long long result; /* the reply, when acked */
    bool acked;       /* false: no reply ever came (the connection died) */
};

struct verify_log {
    uint32_t client; /* the writer id; logs are passed to verify_check by id */
    struct verify_set *sets;
    size_t set_count, set_cap;
    struct verify_get *gets;
    size_t get_count, get_cap;
    struct verify_incr *incrs;
    size_t incr_count, incr_cap;
    uint64_t next_order;
    uint64_t protocol_errors;
    bool oom; /* an append failed: the log is incomplete, checking is void */
};

void verify_log_init(struct verify_log *log, uint32_t client);
void verify_log_free(struct verify_log *log);
/* The connection's next request position; call once per request sent. */
uint64_t verify_log_next_order(struct verify_log *log);
/* Records a SET about to be written; returns its sequence number (>= 1). */
uint64_t verify_log_set_sent(struct verify_log *log, uint64_t key, uint64_t order,
                             uint64_t send_ns);
void verify_log_set_acked(struct verify_log *log, uint64_t seq, uint64_t ack_ns);
/* Records a GET's reply: value NULL for nil. */
void verify_log_get(struct verify_log *log, uint64_t key, uint64_t order, uint64_t send_ns,
                    uint64_t recv_ns, const char *value, size_t len);
void verify_log_incr(struct verify_log *log, uint64_t key, bool acked, long long result);
void verify_log_protocol_error(struct verify_log *log);

/* Writes the value of a SET into buf (size >= max(value_size,
 * VERIFY_VALUE_HEADER_MAX)) and returns its length. */
size_t verify_value_encode(char *buf, size_t size, uint64_t key, uint32_t writer, uint64_t seq,
                           size_t value_size);
/* 0, or -EINVAL when the bytes are not a value verify_value_encode wrote. */
int verify_value_decode(const char *buf, size_t len, uint64_t *key, uint32_t *writer,
                        uint64_t *seq);

struct verify_result {
    uint64_t lost_updates;
    uint64_t stale_reads;     /* includes bad_values */
    uint64_t bad_values;      /* reads of a value that was never written there */
    uint64_t protocol_errors; /* the logs' own count */
    uint64_t reads_checked;
    uint64_t writes_acked;
    uint64_t increments_acked;
    uint64_t increments_in_doubt;
    uint64_t counters_checked;
};

/*
 * Checks the logs of every client: logs[i].client must be i. final_counters
 * holds, for each counter key in [0, keys), its value read after every
 * client finished (0 when the key does not exist, VERIFY_COUNTER_UNKNOWN when
 * it could not be read); NULL skips the counter check. Returns 0, -ENOMEM,
 * or -EINVAL when a log is incomplete (oom) or misnumbered.
 */
int verify_check(const struct verify_log *logs, size_t log_count, uint64_t keys,
                 const long long *final_counters, struct verify_result *out);

#ifdef __cplusplus
}
#endif
#endif
