/*
 * Server statistics for INFO: per-command counters (commandstats) kept per
 * worker so that counting a call never bounces a cache line between cores,
 * server-wide counters, and the instantaneous-rate samples Redis reports.
 * Readers sum relaxed snapshots; a reset racing with a count may lose either,
 * as in Redis where RESETSTAT runs between commands.
 */
#ifndef MAGPIE_NET_STATS_H
#define MAGPIE_NET_STATS_H

#include "core/compiler.h"

#include <stdbool.h>
#include <stdint.h>

struct command;

struct command_counters {
    uint64_t calls;
    uint64_t usec;
    uint64_t rejected_calls;
    uint64_t failed_calls;
};

#define STATS_SAMPLES 16 /* Redis's STATS_METRIC_SAMPLES */

enum stats_metric { METRIC_COMMANDS, METRIC_NET_INPUT, METRIC_NET_OUTPUT, METRIC_COUNT };

struct server_counters {
    ATOMIC(uint64_t) connections_received;
    ATOMIC(uint64_t) rejected_connections;
    ATOMIC(uint64_t) error_replies;
    ATOMIC(uint64_t) client_query_limit_closes;
    ATOMIC(uint64_t) client_output_limit_closes;
};

struct stats; /* opaque: per-worker command counters and rate samples */

/* After command_table_freeze(): one slot per worker plus one for other threads. */
struct stats *stats_new(int workers);
void stats_free(struct stats *s);

/* Entries are command_index() values: every command and subcommand has one. */
int stats_entry_count(const struct stats *s);

/* Called by the worker that ran the command (pool_current_worker()). */
void stats_count_call(struct stats *s, int entry, uint64_t usec, bool failed);
void stats_count_rejected(struct stats *s, int entry);
void stats_read(const struct stats *s, int entry, struct command_counters *out);
uint64_t stats_total_calls(const struct stats *s);
void stats_reset(struct stats *s);

/* Socket traffic, counted per worker like the command counters: a turn of
 * every connection counts its reads and writes, so shared counters would
 * bounce a cache line between cores on every request. */
struct stats_io {
    uint64_t net_input_bytes;
    uint64_t net_output_bytes;
    uint64_t reads_processed;
    uint64_t writes_processed;
};
void stats_count_read(struct stats *s, uint64_t bytes);
void stats_count_write(struct stats *s, uint64_t bytes);
void stats_io_read(const struct stats *s, struct stats_io *out);

/* Rates: the cron samples cumulative totals; the rate is the mean per second
 * over the last STATS_SAMPLES samples. */
void stats_sample(struct stats *s, enum stats_metric m, uint64_t total, uint64_t now_ms);
double stats_rate(const struct stats *s, enum stats_metric m);

#endif
