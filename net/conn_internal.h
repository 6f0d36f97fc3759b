/*
 * Shared by net/conn*.c only.
 */
#ifndef MAGPIE_NET_CONN_INTERNAL_H
#define MAGPIE_NET_CONN_INTERNAL_H

#include "net/conn.h"

#define READ_BITS  (REACTOR_READABLE | REACTOR_HANGUP | REACTOR_ERROR)
#define WRITE_BITS (REACTOR_WRITABLE | REACTOR_ERROR)

/* Records activity now (idle timeout, CLIENT LIST idle=). */
void conn__touch(struct conn *c);
/* One turn: run buffered commands, read more within the budget, flush. */
void conn__turn(struct conn *c);
/* While its command is blocked: writes out what other threads delivered
 * (a RESP3 subscriber's messages come before its blocked reply). */
void conn__deliver(struct conn *c);
/* Runs the command CLIENT PAUSE held (session.postponed_argv), now that
 * the pause no longer holds it. */
void conn__run_postponed(struct conn *c);
/* Takes the log ticket the commands just run left (net/aof.h); true when
 * the replies must wait for its fsync. */
bool conn__aof_holds(struct conn *c);
/* Writes out what was held for the fsync that now covers it. */
void conn__release_held(struct conn *c);
/* Publishes what CLIENT LIST and INFO show of c, and its byte counters. */
void conn__publish(struct conn *c);

#endif
