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
#include "core/lock.h"
#include "proto/resp.h"
#include "store/events.h"

#include <stdint.h>
#include <string.h>
#include <strings.h>

#ifdef __cplusplus
extern "C" {
#endif

struct block;
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
    CMD_SKIP_SLOWLOG = 1u << 16,
    CMD_NO_MANDATORY_KEYS = 1u << 17,
    CMD_NO_ASYNC_LOADING = 1u << 18,
    CMD_MOVABLE_KEYS = 1u << 19,
};
/* COMMAND INFO hides these two, as Redis does. */
#define CMD_HIDDEN_FLAGS (CMD_MAY_REPLICATE | CMD_SENTINEL)

/* How a command may run (cmd_ctx.mode). */
enum cmd_mode {
    /* A blocking command answers at once, as its non-blocking form would
     * when there is nothing to serve (inside MULTI, from a socketless
     * session, while loading a log). */
    CMD_MODE_NO_BLOCK = 1u << 0,
};

struct cmd_ctx {
    struct keyspace *ks;
    int db; /* selected database; SELECT / MOVE / SWAPDB use it */
    int argc;
    struct resp_arg *argv;
    struct reply *reply;
    void *client;   /* the net/ session, opaque here */
    int64_t now_ms; /* wall clock sampled once for the command */
    unsigned mode;  /* enum cmd_mode */
    /* Where a blocking command registers its wait (store/block.h), or NULL:
     * the session cannot block. */
    struct block *block;

    /* ---- kept by store/command.c around each command (command_call) ---- */
    struct write_log log; /* the write sequence numbers the command took */
    /* The canonical form to log instead of argv (cmd_rewrite), when argc > 0:
     * one allocation holding the array and the bytes. */
    int rewrite_argc;
    struct resp_arg *rewrite_argv;
    bool rewrite_failed;
};

/* An argument equals a keyword (or name), case-insensitively, as Redis's
 * strcasecmp on an option: "ex", "EX" and "Ex" are EX. */
static inline bool arg_is(const struct resp_arg *a, const char *lit)
{
    size_t n = strlen(lit);
    return a->len == n && strncasecmp(a->ptr, lit, n) == 0;
}

/* Prepares a context's own state (write log); cmd_ctx_free releases it. */
void cmd_ctx_init(struct cmd_ctx *c);
void cmd_ctx_free(struct cmd_ctx *c);

/*
 * States the form in which a log must replay what the running command did,
 * when its arguments would replay differently (a relative TTL, a float
 * increment, a random pop): SET EX becomes SET PXAT, INCRBYFLOAT becomes
 * SET ... KEEPTTL. The arguments are copied. A command that changes nothing
 * is not logged at all, whatever it states.
 */
void cmd_rewrite(struct cmd_ctx *c, int argc, const struct resp_arg *argv);

typedef void (*command_fn)(struct cmd_ctx *c);

/*
 * A command. A registration names it, its function and its subcommands
 * (COMMAND, COMMAND_WITH_SUBCOMMANDS below); command_table_freeze() fills in
 * the rest, from arity to since, from the generated metadata entry of the
 * same name (struct command_meta), so what Magpie enforces and what COMMAND
 * INFO reports cannot disagree. Only a command Redis 7.0 lacks, which has no
 * entry, states these fields itself (COMMAND_NO_META). Freezing aborts on a
 * registration that has an entry and states any of them, or that has none
 * and leaves them out (command_describe).
 */
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

/* A command Redis 7.0 has: described by its metadata entry. */
#define COMMAND(name_, fn_)                                                                        \
    {                                                                                              \
        .name = (name_), .fn = (fn_)                                                               \
    }
/* A container (OBJECT, CLIENT): subcommands_ is terminated by COMMAND_END,
 * and its entries are named "container|sub". */
#define COMMAND_WITH_SUBCOMMANDS(name_, fn_, subcommands_)                                         \
    {                                                                                              \
        .name = (name_), .fn = (fn_), .subcommands = (subcommands_)                                \
    }
#define COMMAND_END                                                                                \
    {                                                                                              \
        .name = NULL                                                                               \
    }
/* A command Redis 7.0 lacks (CLIENT SETINFO): no metadata, so it states what
 * COMMAND INFO and COMMAND DOCS print for it. */
#define COMMAND_NO_META(name_, fn_, arity_, flags_, first_key_, last_key_, key_step_, group_,      \
                        summary_, since_)                                                          \
    {                                                                                              \
        .name = (name_), .fn = (fn_), .arity = (arity_), .flags = (flags_),                        \
        .first_key = (first_key_), .last_key = (last_key_), .key_step = (key_step_),               \
        .group = (group_), .summary = (summary_), .since = (since_)                                \
    }

/* Adds commands (an array of n); a later entry with the same name replaces an
 * earlier one. Only before command_table_freeze(). Returns 0 or -ENOMEM. */
int command_table_register(const struct command *cmds, int n);
/* Registers store/'s own commands. Idempotent. */
void command_table_register_store(void);
void command_table_freeze(void);
/* Whether command_table_freeze() ran (a second server in one process, as
 * in tests, finds the table ready). */
bool command_table_frozen(void);

/* Case-insensitive lookup; NULL if unknown. */
const struct command *command_lookup(const char *name, size_t len);
/* A container's subcommand by its short name ("encoding" for OBJECT),
 * case-insensitively; NULL if unknown or cmd has no subcommands. */
const struct command *command_find_subcommand(const struct command *cmd, const char *name,
                                              size_t len);
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
/*
 * Runs a resolved command: its fn, with the write hook recording into c's
 * write log, then the command record (store/events.h) to the keyspace's
 * observers when it changed anything. Every caller runs commands through
 * this (or command_dispatch).
 */
void command_call(struct cmd_ctx *c, const struct command *cmd);
/* command_resolve, then command_call; returns it (NULL after an error reply). */
const struct command *command_dispatch(struct cmd_ctx *c);
/* The fn of a container command (OBJECT): runs the subcommand named by
 * argv[1], so a caller that did lookup + arity + fn gets the same result. */
void command_run_subcommand(struct cmd_ctx *c);

/*
 * Commands that run with their locks already held (EXEC). A lock plan
 * gathers every shard a list of commands may touch: their keys (from the key
 * specs, in the database each will run in), and the whole databases of the
 * commands that reach beyond keys (FLUSHDB, KEYS, SCAN, RANDOMKEY, DBSIZE,
 * FLUSHALL, SWAPDB; SELECT changes the database of the commands after it;
 * MOVE and COPY ... DB reach into a second one). Taking the plan locks
 * them all in ascending order, once; the commands then run as usual, and
 * every shard guard they open on a planned shard takes nothing (no
 * re-locking of a non-recursive mutex) and no lookup tries the lock-free
 * path. (INFO and DEBUG count as reaching every database.) Debug builds abort when a command
 * reaches a shard outside the plan. In C, hold a plan only through LOCK_PLAN_GUARD, which keeps the
 * lock rule: no suspension inside.
 */
struct lock_plan;
/* NULL when out of memory. */
struct lock_plan *lock_plan_new(struct keyspace *ks);
void lock_plan_free(struct lock_plan *plan);
/* Adds what a command line (argv[0] its name, resolved to cmd, its arity
 * checked) may touch when it runs in *db, which it updates when the command
 * is SELECT. 0 or -ENOMEM. */
int lock_plan_add(struct lock_plan *plan, int *db, const struct command *cmd,
                  const struct resp_arg *argv, int argc);
/* Adds the shard of one key in db (a key WATCH guards). 0 or -ENOMEM. */
int lock_plan_add_key(struct lock_plan *plan, int db, const char *key, size_t len);
/* Takes / releases every lock of the plan (for LOCK_PLAN_GUARD and C++). */
void lock_plan_acquire(struct lock_plan *plan);
void lock_plan_release(struct lock_plan *plan);

#ifndef __cplusplus
struct lock_plan_guard_ {
    struct lock_plan *plan;
    int active;
};
static inline struct lock_plan_guard_ lock_plan_guard_enter_(struct lock_plan *plan)
{
    lock_plan_acquire(plan);
    return (struct lock_plan_guard_){plan, 1};
}
static inline void lock_plan_guard_exit_(struct lock_plan_guard_ *g)
{
    lock_plan_release(g->plan);
}
#define LOCK_PLAN_GUARD_(plan, g, once)                                                            \
    GUARD_SCOPE_(struct lock_plan_guard_, g, lock_plan_guard_enter_(plan), lock_plan_guard_exit_,  \
                 1, once)
#define LOCK_PLAN_GUARD(plan)                                                                      \
    LOCK_PLAN_GUARD_(plan, CONCAT(lock_plan_guard_, __COUNTER__),                                  \
                     CONCAT(lock_plan_once_, __COUNTER__))
#endif

/*
 * Command metadata: the arity, flags, key positions, group, summary and
 * since of struct command, and what COMMAND INFO and COMMAND DOCS report
 * beyond them (ACL categories, tips, key specs, and the documentation:
 * complexity, history, argument tree, doc flags). The entries are generated
 * from a real redis-server by tools/gen-command-meta.py into
 * store/command_meta_data.c; command_table_freeze() describes every
 * registered command from the entry of the same name and links the two. A
 * command Redis does not have (CLIENT SETINFO in 7.0) has none, and is
 * described by its registration (COMMAND_NO_META).
 *
 * Every enum below lists its names in the order Redis prints them, which is
 * the order of the name tables in store/command_meta.c.
 */
enum acl_category {
    ACL_KEYSPACE = 1u << 0,
    ACL_READ = 1u << 1,
    ACL_WRITE = 1u << 2,
    ACL_SET = 1u << 3,
    ACL_SORTEDSET = 1u << 4,
    ACL_LIST = 1u << 5,
    ACL_HASH = 1u << 6,
    ACL_STRING = 1u << 7,
    ACL_BITMAP = 1u << 8,
    ACL_HYPERLOGLOG = 1u << 9,
    ACL_GEO = 1u << 10,
    ACL_STREAM = 1u << 11,
    ACL_PUBSUB = 1u << 12,
    ACL_ADMIN = 1u << 13,
    ACL_FAST = 1u << 14,
    ACL_SLOW = 1u << 15,
    ACL_BLOCKING = 1u << 16,
    ACL_DANGEROUS = 1u << 17,
    ACL_CONNECTION = 1u << 18,
    ACL_TRANSACTION = 1u << 19,
    ACL_SCRIPTING = 1u << 20,
};

/* How a key is used, per key spec (and per key in COMMAND GETKEYSANDFLAGS). */
enum key_flag {
    KEY_RO = 1u << 0,
    KEY_RW = 1u << 1,
    KEY_OW = 1u << 2,
    KEY_RM = 1u << 3,
    KEY_ACCESS = 1u << 4,
    KEY_UPDATE = 1u << 5,
    KEY_INSERT = 1u << 6,
    KEY_DELETE = 1u << 7,
    KEY_NOT_KEY = 1u << 8,
    KEY_INCOMPLETE = 1u << 9,
    KEY_VARIABLE_FLAGS = 1u << 10, /* the real flags depend on the arguments */
};

enum key_search { KEY_SEARCH_UNKNOWN = 0, KEY_SEARCH_INDEX, KEY_SEARCH_KEYWORD };
enum key_find { KEY_FIND_UNKNOWN = 0, KEY_FIND_RANGE, KEY_FIND_KEYNUM };

/* Redis 7's key specification: where the keys begin (an argument index, or
 * after a keyword searched from `startfrom`, negative: from the end), then
 * which arguments from there are keys (a range up to `lastkey`, negative:
 * from the end, every `keystep`, `limit` > 1: only 1/limit of what remains;
 * or a count at `keynumidx` followed by keys from `firstkey`). */
struct key_spec {
    const char *notes; /* NULL: none */
    uint32_t flags;    /* enum key_flag */
    uint8_t begin_search;
    int index;           /* KEY_SEARCH_INDEX */
    const char *keyword; /* KEY_SEARCH_KEYWORD */
    int startfrom;
    uint8_t find_keys;
    int lastkey; /* KEY_FIND_RANGE */
    int limit;
    int keynumidx; /* KEY_FIND_KEYNUM */
    int firstkey;
    int keystep; /* both */
};

enum command_arg_type {
    ARG_STRING,
    ARG_INTEGER,
    ARG_DOUBLE,
    ARG_KEY,
    ARG_PATTERN,
    ARG_UNIX_TIME,
    ARG_PURE_TOKEN,
    ARG_ONEOF,
    ARG_BLOCK,
};
enum command_arg_flag {
    ARG_OPTIONAL = 1u << 0,
    ARG_MULTIPLE = 1u << 1,
    ARG_MULTIPLE_TOKEN = 1u << 2
};
enum command_doc_flag { DOC_DEPRECATED = 1u << 0, DOC_SYSCMD = 1u << 1 };

/* One node of COMMAND DOCS' argument tree. */
struct command_arg {
    const char *name;
    uint8_t type;       /* enum command_arg_type */
    int key_spec_index; /* -1: not a key */
    const char *token;  /* these four: NULL when absent */
    const char *summary;
    const char *since;
    const char *deprecated_since;
    uint32_t flags; /* enum command_arg_flag */
    int nargs;      /* ARG_ONEOF and ARG_BLOCK: the nested arguments */
    const struct command_arg *args;
};

struct command_history {
    const char *version;
    const char *changes;
};

struct command_meta {
    const char *name; /* as registered: "get", "object|encoding" */
    /* What Redis registers; command_table_freeze() copies these, with
     * summary, since and group below, into the command of the same name. */
    int arity;
    uint32_t flags; /* enum command_flag, the ones COMMAND INFO shows */
    int first_key, last_key, key_step;
    uint32_t acl_categories; /* enum acl_category */
    int ntips;
    const char *const *tips;
    int nkey_specs;
    const struct key_spec *key_specs;
    /* COMMAND DOCS; NULL / 0 when absent */
    const char *summary, *since, *group, *complexity;
    uint32_t doc_flags; /* enum command_doc_flag */
    const char *deprecated_since, *replaced_by;
    int nhistory;
    const struct command_history *history;
    int nargs;
    const struct command_arg *args;
};

/* The generated table (store/command_meta_data.c), sorted by name. */
extern const struct command_meta command_meta_table[];
extern const int command_meta_count;
extern const char command_meta_redis_version[];

/* The generated entry for a full name ("object|encoding"); NULL if none. */
const struct command_meta *command_meta_find(const char *name);
/*
 * What command_table_freeze() does to each registration (exposed for tests):
 * with an entry (meta != NULL), copies arity, flags, key positions, group,
 * summary and since from it into *cmd, which must state none of them;
 * without, checks that *cmd states its arity, group, summary and since (and
 * a key step when it has keys). Returns 0, or -EINVAL (cmd unchanged) when
 * the registration breaks that rule; freezing then aborts, naming it.
 */
int command_describe(struct command *cmd, const struct command_meta *meta);
/* The entry linked to a registered command at freeze time; NULL if none
 * (or before command_table_freeze()). */
const struct command_meta *command_meta_of(const struct command *cmd);

/* A name and its bit, for the tables below (terminated by a NULL name). */
struct command_flag_name {
    uint32_t bit;
    const char *name;
};
/* In Redis's order: command flags as COMMAND INFO shows them, ACL categories
 * (with their '@'), key spec flags, argument flags, doc flags. */
extern const struct command_flag_name command_flag_names[];
extern const struct command_flag_name acl_category_names[];
extern const struct command_flag_name key_flag_names[];
extern const struct command_flag_name command_arg_flag_names[];
extern const struct command_flag_name command_doc_flag_names[];
const char *command_arg_type_name(int type);
/* Writes the names of the bits set in `bits` as a set of simple strings. */
void command_reply_flag_set(struct reply *r, uint32_t bits, const struct command_flag_name *names);

/* The ACL categories of a command: its metadata's, or for a command without
 * metadata, derived from its flags and group as Redis derives most. */
uint32_t command_acl_categories(const struct command *cmd);

/* Writes one COMMAND INFO entry (with its subcommands), and one COMMAND DOCS
 * entry (the value of the name -> docs map), in Redis 7's shapes. */
void command_reply_info(struct reply *r, const struct command *cmd);
void command_reply_docs(struct reply *r, const struct command *cmd);

/*
 * Keys of a full command line (argv[0] is the command's name), as COMMAND
 * GETKEYS finds them: from the key specs, or for commands whose key flags
 * depend on the arguments (SET ... GET) from the command's own rule; a
 * command without metadata uses first_key / last_key / key_step.
 */
struct command_key {
    int pos;        /* index into argv */
    uint32_t flags; /* enum key_flag */
};
/* Whether the command has key arguments at all (Redis's doesCommandHaveKeys). */
bool command_has_keys(const struct command *cmd);
/* Stores the keys in *out, from mem_alloc (mem_free it), and returns their count; 0
 * when the arguments do not match the key specs (Redis then answers
 * "Invalid arguments specified for command"); -ENOMEM. Expects the arity
 * checked. */
int command_get_keys(const struct command *cmd, const struct resp_arg *argv, int argc,
                     struct command_key **out);
/* The key specs part of it (exposed for tests): the keys the specs find in
 * keys[] (room for nspecs * argc), or -1 when the arguments do not fit them. */
int command_keys_from_specs(const struct key_spec *specs, int nspecs, const struct resp_arg *argv,
                            int argc, struct command_key *keys);

#ifdef __cplusplus
}
#endif
#endif
