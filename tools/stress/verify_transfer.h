/*
 * --transfer --verify: transactions keep the money where it is, as a pure
 * module. Every mover and reader connection records what its transactions
 * did in its own log (no sharing, no locks); after the run, with every
 * account read back, transfer_verify_check() reads them all. Tests feed it
 * events by hand.
 *
 * What is checked, all derived from facts that hold whatever the timing:
 *  - the invariant: every move takes from one account what it gives to
 *    another inside one transaction, so no client may ever see the total
 *    change. Every sum a reader read inside MULTI..EXEC, and the sum of the
 *    accounts read back after the run, must be the total the run started
 *    with; each one that is not is an invariant violation. (A transaction
 *    whose parts another client could see apart, or a WATCH that let a
 *    stale SET through, shows up here.)
 *  - the balances: each account must end at its starting balance plus what
 *    the committed moves gave it minus what they took; an account that does
 *    not is wrong (a committed transaction lost, or run twice). Exact only
 *    when no move is in doubt: a move whose EXEC was sent but never answered
 *    (its connection died) may or may not have run, and then the balances
 *    are not checked.
 * A move is committed when its EXEC answered the array of its commands'
 * replies; a --transfer-watch EXEC that answered nil did nothing and is
 * retried (counted, not an anomaly).
 */
#ifndef MAGPIE_STRESS_VERIFY_TRANSFER_H
#define MAGPIE_STRESS_VERIFY_TRANSFER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* One connection's log; a mover uses net, a reader the sums. */
struct transfer_log {
    uint32_t id; /* connection index among the run's movers and readers */
    uint32_t accounts;
    long long total; /* what every sum must be */
    int64_t *net;    /* movers: by account, what the committed moves gave minus took */
    uint64_t committed;
    uint64_t in_doubt;      /* moves whose EXEC was never answered */
    uint64_t watch_retries; /* EXEC answered nil: the move ran again */
    uint64_t sums;
    uint64_t violations; /* sums that were not the total */
    long long first_bad_sum;
    uint64_t protocol_errors;
    bool oom;
};

/* 0 or -ENOMEM. */
int transfer_log_init(struct transfer_log *log, uint32_t id, uint32_t accounts, long long total);
void transfer_log_free(struct transfer_log *log);
void transfer_log_committed(struct transfer_log *log, uint32_t from, uint32_t to, uint32_t amount);
void transfer_log_in_doubt(struct transfer_log *log);
void transfer_log_watch_retry(struct transfer_log *log);
void transfer_log_sum(struct transfer_log *log, long long sum);
void transfer_log_protocol_error(struct transfer_log *log);

struct transfer_verify_result {
    uint64_t violations; /* sums read, and the final one, that were not the total */
    long long first_bad_sum;
    uint64_t balances_wrong; /* accounts off their expected balance */
    bool balances_checked;   /* false when a move was in doubt */
    uint64_t protocol_errors;
    uint64_t committed;
    uint64_t in_doubt;
    uint64_t watch_retries;
    uint64_t sums; /* read by the readers */
    long long total;
    long long final_total; /* the accounts read back after the run */
};

/*
 * Checks every log (logs[i].id must be i, each made for `accounts`
 * accounts and `total`) against the balances read back after the run
 * (final[accounts], a missing account as 0). Returns 0, or -EINVAL when a
 * log is incomplete (oom) or misnumbered.
 */
int transfer_verify_check(const struct transfer_log *logs, size_t log_count, uint32_t accounts,
                          long long total, const long long *final,
                          struct transfer_verify_result *out);

#ifdef __cplusplus
}
#endif
#endif
