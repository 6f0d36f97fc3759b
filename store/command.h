/*
 * The command table and the context a command runs in.
 *
 * Every command is one function `void xxx_command(struct cmd_ctx *c)` that
 * reads its arguments from c->argv, works on the keyspace (taking shard locks
 * only through LOCK_GUARD, inside store/), and writes exactly one reply to
 * c->reply. Commands never suspend: they run to completion on the worker that
 * dispatched them.
 *
 * The table is a registry: store/ registers the data commands, net/ registers
 * the connection and server commands (PING, HELLO, CLIENT, INFO, ...) before
 * the server starts; after command_table_freeze() it is read-only and lookups
 * need no lock. COMMAND / COMMAND INFO / COMMAND DOCS read it.
 */
#ifndef MAGPIE_STORE_COMMAND_H
#define MAGPIE_STORE_COMMAND_H

#include "proto/reply.h"
#include "proto/resp.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct keyspace;

/* Flags, named as COMMAND INFO prints them. */
enum command_flag {
    CMD_WRITE = 1u << 0,
    CMD_READONLY = 1u << 1,
    CMD_DENYOOM = 1u << 2,
    CMD_ADMIN = 1u << 3,
    CMD_PUBSUB = 1u << 4,
    CMD_NOSCRIPT = 1u << 5,
    CMD_BLOCKING = 1u << 6,
    CMD_LOADING = 1u << 7,
    CMD_STALE = 1u << 8,
    CMD_SKIP_MONITOR = 1u << 9,
    CMD_FAST = 1u << 10,
    CMD_NO_AUTH = 1u << 11,
    CMD_MAY_REPLICATE = 1u << 12,
    CMD_SENTINEL = 1u << 13,
    CMD_ALLOW_BUSY = 1u << 14,
    CMD_NO_MULTI = 1u << 15,
};

struct cmd_ctx {
    struct keyspace *ks;
    int db; /* selected database; SELECT / MOVE / SWAPDB use it */
    int argc;
    struct resp_arg *argv;
    struct reply *reply;
    void *client;   /* the net/ session, opaque here */
    int64_t now_ms; /* wall clock sampled once for the command */
};

typedef void (*command_fn)(struct cmd_ctx *c);

struct command {
    const char *name; /* lower case */
    command_fn fn;
    int arity;      /* Redis convention: -N means at least N */
    uint32_t flags; /* enum command_flag */
    int first_key;  /* 0: no keys */
    int last_key;   /* -1: last argument */
    int key_step;
    const char *group;                 /* COMMAND DOCS: "string", "generic", "connection", ... */
    const char *summary;               /* COMMAND DOCS */
    const char *since;                 /* COMMAND DOCS: Redis version that introduced it */
    const struct command *subcommands; /* terminated by a NULL name, or NULL */
};

/* Adds commands (an array of n); a later entry with the same name replaces an
 * earlier one. Only before command_table_freeze(). Returns 0 or -ENOMEM. */
int command_table_register(const struct command *cmds, int n);
/* Registers store/'s own commands. Idempotent. */
void command_table_register_store(void);
void command_table_freeze(void);

/* Case-insensitive lookup; NULL if unknown. */
const struct command *command_lookup(const char *name, size_t len);
/* Stable index of a command in [0, command_count()) for per-command stats. */
int command_index(const struct command *cmd);
int command_count(void);
const struct command *command_at(int index);

/*
 * Checks arity; on failure writes Redis's error and returns false:
 *   ERR wrong number of arguments for 'get' command
 */
bool command_check_arity(const struct command *cmd, struct cmd_ctx *c);

/* Writes `ERR unknown command 'foo', with args beginning with: 'a' 'b' `
 * exactly as Redis 7 does. */
void command_reply_unknown(struct cmd_ctx *c);

/*
 * (Added by store/.) Redis's processCommand checks in one call: finds the
 * command for c->argv[0], resolves a container's subcommand from argv[1]
 * (OBJECT ENCODING -> "object|encoding"), checks the arity, and on any
 * failure writes Redis's exact error (unknown command, `ERR unknown
 * subcommand 'x'. Try OBJECT HELP.`, wrong number of arguments) and returns
 * NULL. The result is what runs: its fn, flags and command_index (subcommands
 * have their own index, for per-command stats). Subcommand names are
 * "container|sub", lower case, as COMMAND INFO prints them.
 */
const struct command *command_resolve(struct cmd_ctx *c);
/* command_resolve, then runs the command; returns it (NULL after an error reply). */
const struct command *command_dispatch(struct cmd_ctx *c);
/* The fn of a container command (OBJECT): runs the subcommand named by
 * argv[1], so a caller that did lookup + arity + fn gets the same result. */
void command_run_subcommand(struct cmd_ctx *c);

#ifdef __cplusplus
}
#endif
#endif
