/*
 * The latency monitor: for each event class ("command", "fast-command"),
 * the last 160 seconds that had a spike at or above
 * `latency-monitor-threshold` milliseconds (one sample per second, the
 * worst of that second) and the all-time worst, as Redis keeps them for
 * LATENCY LATEST, HISTORY, RESET, GRAPH and DOCTOR.
 *
 * Workers record from anywhere; with the monitor off (threshold 0) or a
 * command under the threshold that costs one relaxed load and a comparison.
 * Only a spike takes the monitor's lock. Never touches the store.
 */
#ifndef MAGPIE_NET_LATENCY_H
#define MAGPIE_NET_LATENCY_H

#include "proto/reply.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define LATENCY_TS_LEN     160 /* samples kept per event, as Redis */
#define LATENCY_MAX_EVENTS 16
#define LATENCY_EVENT_MAX  32 /* longest event name, NUL included */

struct latency_monitor;

struct latency_monitor *latency_monitor_new(void);
void latency_monitor_free(struct latency_monitor *m);

/* Adds a sample of `ms` milliseconds for `event` at unix time `now` (the
 * caller checked it against the threshold). */
void latency_add_sample(struct latency_monitor *m, const char *event, uint32_t ms, int64_t now);

/* LATENCY LATEST / HISTORY event / GRAPH event (false: no such event) /
 * RESET (NULL: every event; returns how many were reset). */
void latency_reply_latest(struct latency_monitor *m, struct reply *r);
void latency_reply_history(struct latency_monitor *m, struct reply *r, const char *event);
bool latency_reply_graph(struct latency_monitor *m, struct reply *r, const char *event,
                         int64_t now);
int latency_reset(struct latency_monitor *m, const char *event);

/* What LATENCY DOCTOR needs besides the samples. */
struct latency_doctor_input {
    long long threshold_ms;
    long long slowlog_slower_than_us;
    int hz;
    int64_t now;
    bool huge_pages; /* the process has anonymous huge pages */
};
void latency_reply_doctor(struct latency_monitor *m, struct reply *r,
                          const struct latency_doctor_input *in);

/* After each command a session ran (net/session.c; cmd_latency.c). */
struct session;
struct command;
void latency_record_command(struct session *s, const struct command *cmd, long long duration_us);
/* The active expiry's slice observer (store/keyspace.h); ctx: the server.
 * A slice as long as the threshold is an "expire-cycle" spike. */
void latency_record_expire_slice(void *ctx, uint64_t ns);

#ifdef __cplusplus
}
#endif
#endif
