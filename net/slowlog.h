/*
 * The slow log: the most recent commands that ran for at least
 * `slowlog-log-slower-than` microseconds, at most `slowlog-max-len` of them,
 * newest first, each with Redis's fields (id, unix time, duration, the
 * arguments truncated as Redis truncates them, client address and name).
 *
 * Every worker records into it. Deciding costs two relaxed loads and a
 * comparison, and takes no lock; only a command that is actually logged
 * builds its entry (outside the lock) and then takes the log's lock to link
 * it in. It never runs commands or touches the store.
 */
#ifndef MAGPIE_NET_SLOWLOG_H
#define MAGPIE_NET_SLOWLOG_H

#include "proto/reply.h"
#include "proto/resp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Redis's limits on what an entry keeps of a command line. */
#define SLOWLOG_ENTRY_MAX_ARGC   32
#define SLOWLOG_ENTRY_MAX_STRING 128

struct slowlog;

/* NULL when out of memory. */
struct slowlog *slowlog_new(void);
void slowlog_free(struct slowlog *log);

/* Whether a command that ran `duration_us` is logged under this threshold
 * (negative: the slow log is off). */
static inline bool slowlog_wanted(long long slower_than, long long duration_us)
{
    return slower_than >= 0 && duration_us >= slower_than;
}

/* What one entry records besides the arguments. */
struct slowlog_origin {
    int64_t unix_seconds;
    long long duration_us;
    const char *peer; /* "ip:port", "" for a session without a socket */
    const char *name; /* the client's name, "" if none */
};

/*
 * Adds an entry for argv (copied and truncated; `redacted` marks arguments
 * written as "(redacted)", may be NULL), then drops the oldest entries past
 * max_len (0: the entry goes at once, as in Redis). Out of memory loses the
 * entry, never the server.
 */
void slowlog_push(struct slowlog *log, long long max_len, int argc, const struct resp_arg *argv,
                  const bool *redacted, const struct slowlog_origin *origin);

/*
 * What a session calls after each command it ran (net/session.c): logs it
 * when it took long enough under the settings in force, unless it is EXEC
 * (whose commands are logged one by one) or another skip_slowlog command,
 * with AUTH's, HELLO AUTH's and CONFIG SET requirepass's secrets redacted as
 * Redis redacts them. Implemented in cmd_slowlog.c.
 */
struct session;
struct command;
void slowlog_record_command(struct session *s, const struct command *cmd, long long duration_us);

/* Drops the oldest entries past max_len, as Redis does after every command
 * while the slow log is on: a shorter slowlog-max-len takes effect at the
 * next command. Without a lock when there is nothing to drop. */
void slowlog_trim(struct slowlog *log, long long max_len);

/* SLOWLOG LEN */
size_t slowlog_len(struct slowlog *log);
/* SLOWLOG RESET: ids keep counting. */
void slowlog_reset(struct slowlog *log);
/* SLOWLOG GET: the `count` newest entries (-1: all), in Redis's shape. */
void slowlog_reply(struct slowlog *log, struct reply *r, long long count);

#ifdef __cplusplus
}
#endif
#endif
