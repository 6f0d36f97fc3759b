/*
 * A session's transaction: the commands MULTI queued for EXEC. Between
 * MULTI and EXEC (or DISCARD) every command but EXEC, DISCARD, MULTI,
 * WATCH, QUIT and RESET is checked as usual and then queued, its arguments
 * copied, instead of run; one rejected while queuing (unknown, wrong arity,
 * not allowed in a transaction) makes the EXEC answer EXECABORT.
 *
 * Used by the session's thread; `shown` and `mem` are also read by CLIENT
 * LIST on other threads.
 */
#ifndef MAGPIE_NET_MULTI_H
#define MAGPIE_NET_MULTI_H

#include "core/compiler.h"
#include "proto/resp.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct command;

struct multi_cmd {
    const struct command *cmd;
    int argc;
    struct resp_arg *argv; /* resp_args_copy */
};

struct multi {
    bool active;  /* inside MULTI */
    bool aborted; /* a command was rejected while queuing */
    int count, cap;
    struct multi_cmd *cmds;
    /* ---- shared: CLIENT LIST's multi= (-1 outside MULTI) and multi-mem= ---- */
    ATOMIC(int) shown;
    ATOMIC(uint64_t) mem;
};

void multi_init(struct multi *m);
/* MULTI: an empty queue. */
void multi_begin(struct multi *m);
/* Queues a copy of a command line. 0 or -ENOMEM (nothing queued). */
int multi_queue(struct multi *m, const struct command *cmd, int argc, const struct resp_arg *argv);
/* A command was rejected while queuing (no-op outside MULTI). */
static inline void multi_reject(struct multi *m)
{
    if (m->active)
        m->aborted = true;
}
/* Leaves MULTI, freeing the queue (EXEC's end, DISCARD, RESET, disconnect). */
void multi_end(struct multi *m);

#ifdef __cplusplus
}
#endif
#endif
