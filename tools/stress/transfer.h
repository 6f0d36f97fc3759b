/*
 * The transfer workload (--transfer M:R), its pure parts. M mover
 * connections move random amounts between accounts "account:<n>" (apart
 * from every key of the other workloads; the keys hash to different shards)
 * in transactions, and R reader connections read every account inside one
 * transaction and check that the balances still add up to what the run
 * started with. A move is
 *   MULTI, DECRBY from x, INCRBY to x, EXEC                 (pipelined), or
 *   WATCH from to, GET from, GET to, then MULTI, SET from b1 - x,
 *   SET to b2 + x, EXEC, again from WATCH when EXEC answers nil
 * with --transfer-watch; a sum is MULTI, GET of every account (or one MGET
 * of them all), EXEC. The connections' behaviour lives in client_transfer.c,
 * the run around them in transfer_run.c, the check in verify_transfer.h.
 */
#ifndef MAGPIE_STRESS_TRANSFER_H
#define MAGPIE_STRESS_TRANSFER_H

#include "tools/stress/reply_parser.h"
#include "tools/stress/request.h"
#include "tools/stress/rng.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRANSFER_ROLE_MAX        10000 /* movers, and readers */
#define TRANSFER_ACCOUNTS_MAX    10000
#define TRANSFER_KEY_NAME_MAX    24
#define TRANSFER_INITIAL_BALANCE 1000 /* every account's, before the run */
#define TRANSFER_AMOUNT_MAX      100  /* a move takes 1 .. this */

enum transfer_read_mode { TRANSFER_READ_GET, TRANSFER_READ_MGET };

struct transfer_spec {
    int movers; /* 0: no transfer workload */
    int readers;
    int accounts;
    bool watch; /* --transfer-watch: WATCH, GET, GET, MULTI, SET, SET, EXEC */
    enum transfer_read_mode read;
    bool sabotage; /* the negative control: a DECRBY outside any transaction */
};

/* Parses "M:R" (M 1..TRANSFER_ROLE_MAX, R 0..TRANSFER_ROLE_MAX). 0 or -EINVAL. */
int transfer_spec_parse(const char *text, int *movers, int *readers);
/* "get" or "mget"; 0 or -EINVAL. */
int transfer_read_mode_parse(const char *text, enum transfer_read_mode *out);
const char *transfer_read_mode_name(enum transfer_read_mode mode);

enum transfer_role { TRANSFER_MOVER, TRANSFER_READER };

/* The role of connection `index` (0 .. M + R - 1) and its mover or reader
 * id (dense, from 0); movers are spread over the indexes. */
enum transfer_role transfer_role_of(const struct transfer_spec *spec, uint32_t index, uint32_t *id);

/* "account:<n>"; its length. */
size_t transfer_account_name(uint32_t n, char out[TRANSFER_KEY_NAME_MAX]);
/* What every sum must be: accounts x TRANSFER_INITIAL_BALANCE. */
long long transfer_total(const struct transfer_spec *spec);

struct transfer_move {
    uint32_t from, to; /* different accounts */
    uint32_t amount;   /* 1 .. TRANSFER_AMOUNT_MAX */
};

/* A random move between two different accounts of `accounts` (>= 2). */
void transfer_pick(struct rng *r, uint32_t accounts, struct transfer_move *out);
/* A move in one word (accounts and amounts below 2^20), for a request's tag. */
uint64_t transfer_move_pack(const struct transfer_move *m);
struct transfer_move transfer_move_unpack(uint64_t packed);

/* The requests (so the replies) of one transaction of a connection of
 * `role`: with --transfer-watch the most a move has in flight at once. */
int transfer_commands(const struct transfer_spec *spec, enum transfer_role role);

/*
 * Appending a transaction's commands to out; names holds the account names.
 * 0 or -ENOMEM.
 *  - move: MULTI, DECRBY from amount, INCRBY to amount, EXEC;
 *  - watch: WATCH from to, GET from, GET to;
 *  - commit: MULTI, SET from (from_balance - amount), SET to (to_balance +
 *    amount), EXEC;
 *  - sum: MULTI, GET of every account or one MGET of them all, EXEC.
 */
int transfer_append_move(struct bytebuf *out, char (*names)[TRANSFER_KEY_NAME_MAX],
                         const struct transfer_move *m);
int transfer_append_watch(struct bytebuf *out, char (*names)[TRANSFER_KEY_NAME_MAX],
                          const struct transfer_move *m);
int transfer_append_commit(struct bytebuf *out, char (*names)[TRANSFER_KEY_NAME_MAX],
                           const struct transfer_move *m, long long from_balance,
                           long long to_balance);
int transfer_append_sum(struct bytebuf *out, const struct transfer_spec *spec,
                        char (*names)[TRANSFER_KEY_NAME_MAX]);

/* A balance as GET or MGET returns it: 0, -ENOENT for nil, -EPROTO when it
 * is not a decimal integer. */
int transfer_balance_parse(const struct stress_reply *r, long long *out);

enum transfer_exec_outcome {
    TRANSFER_COMMITTED, /* the transaction ran */
    TRANSFER_ABORTED,   /* nil: a watched key changed (--transfer-watch only) */
    TRANSFER_BAD        /* anything else (an error is handled before) */
};

/* A move's EXEC: [integer, integer] (DECRBY, INCRBY) or, with watch,
 * [OK, OK] or nil. */
enum transfer_exec_outcome transfer_exec_move(const struct stress_reply *r, bool watch);
/* A sum's EXEC: the sum of every balance (a missing account counts 0).
 * 0, or -EPROTO when the reply is not what the sum asked for. */
int transfer_exec_sum(const struct transfer_spec *spec, const struct stress_reply *r,
                      long long *sum);

#ifdef __cplusplus
}
#endif
#endif
