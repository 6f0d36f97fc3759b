/* The logs of --transfer --verify and their check; see verify_transfer.h. */
#include "tools/stress/transfer.h"
#include "tools/stress/verify_transfer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int transfer_log_init(struct transfer_log *log, uint32_t id, uint32_t accounts, long long total)
{
    memset(log, 0, sizeof(*log));
    log->id = id;
    log->accounts = accounts;
    log->total = total;
    log->net = calloc(accounts ? accounts : 1, sizeof(*log->net));
    return log->net ? 0 : -ENOMEM;
}

void transfer_log_free(struct transfer_log *log)
{
    free(log->net);
    memset(log, 0, sizeof(*log));
}

void transfer_log_committed(struct transfer_log *log, uint32_t from, uint32_t to, uint32_t amount)
{
    if (from >= log->accounts || to >= log->accounts) {
        log->protocol_errors++; /* impossible: the caller picked them */
        return;
    }
    log->net[from] -= amount;
    log->net[to] += amount;
    log->committed++;
}

void transfer_log_in_doubt(struct transfer_log *log)
{
    log->in_doubt++;
}

void transfer_log_watch_retry(struct transfer_log *log)
{
    log->watch_retries++;
}

void transfer_log_sum(struct transfer_log *log, long long sum)
{
    log->sums++;
    if (sum != log->total && log->violations++ == 0)
        log->first_bad_sum = sum;
}

void transfer_log_protocol_error(struct transfer_log *log)
{
    log->protocol_errors++;
}

int transfer_verify_check(const struct transfer_log *logs, size_t log_count, uint32_t accounts,
                          long long total, const long long *final,
                          struct transfer_verify_result *out)
{
    memset(out, 0, sizeof(*out));
    out->total = total;
    for (size_t i = 0; i < log_count; i++)
        if (logs[i].id != i || logs[i].oom || logs[i].accounts != accounts ||
            logs[i].total != total)
            return -EINVAL;
    for (size_t i = 0; i < log_count; i++) {
        const struct transfer_log *l = &logs[i];
        if (l->violations && !out->violations)
            out->first_bad_sum = l->first_bad_sum;
        out->violations += l->violations;
        out->protocol_errors += l->protocol_errors;
        out->committed += l->committed;
        out->in_doubt += l->in_doubt;
        out->watch_retries += l->watch_retries;
        out->sums += l->sums;
    }
    for (uint32_t a = 0; a < accounts; a++)
        out->final_total += final[a];
    if (out->final_total != total && out->violations++ == 0)
        out->first_bad_sum = out->final_total;
    out->balances_checked = out->in_doubt == 0;
    for (uint32_t a = 0; out->balances_checked && a < accounts; a++) {
        long long expected = TRANSFER_INITIAL_BALANCE;
        for (size_t i = 0; i < log_count; i++)
            expected += logs[i].net[a];
        out->balances_wrong += final[a] != expected;
    }
    return 0;
}
