/*
 * The server's configuration: every parameter the server has, its Redis-style
 * parsing and formatting, and the values in force.
 *
 * The same parameter table serves the config file (`port 6380`), the command
 * line (`--port 6380`), CONFIG GET (glob patterns) and CONFIG SET, so the four
 * can never disagree on a name, a range or an error message; the messages are
 * Redis 7's, word for word.
 *
 * Values change at run time (CONFIG SET) while every worker reads them: numbers
 * are atomics read without a lock, strings are copied out under the config's
 * lock. Nothing here does network I/O or touches the store.
 */
#ifndef MAGPIE_NET_CONFIG_H
#define MAGPIE_NET_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum config_id {
    CONFIG_PORT,
    CONFIG_BIND,
    CONFIG_UNIXSOCKET,
    CONFIG_UNIXSOCKETPERM,
    CONFIG_THREADS,
    CONFIG_SHARDS,
    CONFIG_DATABASES,
    CONFIG_MAXCLIENTS,
    CONFIG_TIMEOUT,
    CONFIG_TCP_BACKLOG,
    CONFIG_TCP_KEEPALIVE,
    CONFIG_HZ,
    CONFIG_REQUIREPASS,
    CONFIG_LOGFILE,
    CONFIG_LOGLEVEL,
    CONFIG_PROTO_MAX_BULK_LEN,
    CONFIG_CLIENT_QUERY_BUFFER_LIMIT,
    CONFIG_CLIENT_OUTPUT_BUFFER_LIMIT,
    CONFIG_SAVE,
    CONFIG_APPENDONLY,
    CONFIG_ENABLE_DEBUG_COMMAND,
    CONFIG_ENABLE_PROTECTED_CONFIGS,
    CONFIG_LIST_MAX_LISTPACK_SIZE,
    CONFIG_LIST_COMPRESS_DEPTH,
    CONFIG_SET_MAX_INTSET_ENTRIES,
    CONFIG_SET_MAX_LISTPACK_ENTRIES,
    CONFIG_SET_MAX_LISTPACK_VALUE,
    CONFIG_NOTIFY_KEYSPACE_EVENTS,
    CONFIG_HASH_MAX_LISTPACK_ENTRIES,
    CONFIG_HASH_MAX_LISTPACK_VALUE,
    CONFIG_HLL_SPARSE_MAX_BYTES,
    CONFIG_SLOWLOG_LOG_SLOWER_THAN,
    CONFIG_SLOWLOG_MAX_LEN,
    CONFIG_LATENCY_MONITOR_THRESHOLD,
    CONFIG_LATENCY_TRACKING,
    CONFIG_LAZYFREE_LAZY_EVICTION,
    CONFIG_LAZYFREE_LAZY_EXPIRE,
    CONFIG_LAZYFREE_LAZY_SERVER_DEL,
    CONFIG_LAZYFREE_LAZY_USER_DEL,
    CONFIG_LAZYFREE_LAZY_USER_FLUSH,
    CONFIG_ZSET_MAX_LISTPACK_ENTRIES,
    CONFIG_ZSET_MAX_LISTPACK_VALUE,
    CONFIG_TRACKING_TABLE_MAX_KEYS,
    /* The append-only file (net/aof.h). */
    CONFIG_APPENDFILENAME,
    CONFIG_APPENDDIRNAME,
    CONFIG_APPENDFSYNC,
    CONFIG_NO_APPENDFSYNC_ON_REWRITE,
    CONFIG_AOF_LOAD_TRUNCATED,
    CONFIG_AOF_USE_RDB_PREAMBLE,
    CONFIG_AUTO_AOF_REWRITE_PERCENTAGE,
    CONFIG_AUTO_AOF_REWRITE_MIN_SIZE,
    CONFIG_DBFILENAME,
    CONFIG_DIR,
    CONFIG_RDBCOMPRESSION,
    CONFIG_RDBCHECKSUM,
    CONFIG_STOP_WRITES_ON_BGSAVE_ERROR,
    CONFIG_COUNT
};

/* enable-debug-command and enable-protected-configs values. */
enum config_debug_command { CONFIG_DEBUG_NO, CONFIG_DEBUG_YES, CONFIG_DEBUG_LOCAL };

/* appendfsync values, in the order Redis lists their names. */
enum config_appendfsync { CONFIG_FSYNC_EVERYSEC, CONFIG_FSYNC_ALWAYS, CONFIG_FSYNC_NO };

/* client-output-buffer-limit classes, in Redis's order. */
enum config_client_class { CONFIG_CLASS_NORMAL, CONFIG_CLASS_REPLICA, CONFIG_CLASS_PUBSUB };

struct config_output_limit {
    long long hard_bytes;   /* 0: no hard limit */
    long long soft_bytes;   /* 0: no soft limit */
    long long soft_seconds; /* how long the soft limit may be exceeded */
};

#define CONFIG_STRING_MAX 4096 /* longest string value, bind list included */
#define CONFIG_ERROR_MAX  256

struct config; /* opaque */

/* Every parameter at its default. NULL when out of memory. */
struct config *config_new(void);
void config_free(struct config *c);

/* A numeric, boolean or enum value (a relaxed load: no ordering implied). */
long long config_number(const struct config *c, enum config_id id);
struct config_output_limit config_get_output_limit(const struct config *c,
                                                   enum config_client_class cls);
uint64_t config_version(const struct config *c);

/* Copies a string value into buf (truncated to size-1, NUL-terminated).
 * Returns its length: requirepass may hold NUL bytes, every other string
 * value never does (they are refused when set). */
size_t config_string(struct config *c, enum config_id id, char *buf, size_t size);
/* True when `password` equals requirepass (constant time in its length). */
bool config_password_matches(struct config *c, const char *password, size_t len);

/* Finds a parameter by name or alias, case-insensitively; -1 if unknown. */
int config_lookup(const char *name, size_t len);
const char *config_name(enum config_id id);
/*
 * Every name CONFIG GET knows: the parameters' own (0 .. CONFIG_COUNT-1,
 * config_name) and then their aliases, Redis's old names that it still
 * answers to (list-max-ziplist-size). Each alias is listed under its own
 * name. config_name_at returns NULL past the end, and the parameter in *id.
 */
const char *config_name_at(int index, enum config_id *id);
/* More than config_name_at ever enumerates. */
#define CONFIG_NAMES_MAX (CONFIG_COUNT + 16)

/*
 * Sets one parameter from its arguments as written after the name in a config
 * file line (`bind 127.0.0.1 ::1` gives argc 2). lens holds the arguments'
 * lengths, which may count NUL bytes (NULL: each is a C string). `running` is
 * true for CONFIG SET, which refuses immutable parameters. On failure returns
 * -EINVAL and writes Redis's reason ("argument must be between 0 and 65535
 * inclusive") into err.
 */
int config_set(struct config *c, enum config_id id, int argc, const char *const *argv,
               const size_t *lens, bool running, char err[CONFIG_ERROR_MAX]);

/*
 * CONFIG SET name value [name value ...]: every pair is validated before any
 * is applied, so a failure changes nothing. On failure returns -EINVAL and
 * writes the whole error line Redis gives (without the leading '-').
 */
/* What the caller may not set now (CONFIG SET's `refuse`). */
enum config_refuse {
    /* dir and dbfilename (enable-protected-configs does not allow it) */
    CONFIG_REFUSE_PROTECTED = 1u << 0,
    /* appendonly and dir, while the data loads: the whole reply is then
     * Redis's -LOADING */
    CONFIG_REFUSE_LOADING = 1u << 1,
};
int config_set_many(struct config *c, int argc, const char *const *argv, const size_t *lens,
                    unsigned refuse, char err[CONFIG_ERROR_MAX + 128]);

/* The value as CONFIG GET shows it. Returns its length. */
size_t config_format(struct config *c, enum config_id id, char *buf, size_t size);

/*
 * Loads `magpie-server [config-file] [--name value ...]` as redis-server does:
 * the file's lines, then one line per option. On failure returns -EINVAL with
 * the complete message redis-server prints (several lines) in err.
 */
int config_load_args(struct config *c, int argc, char **argv, char *err, size_t errlen);

/*
 * Parses config text (a whole file, lines numbered from 1 in messages).
 * Same error contract as config_load_args.
 */
int config_load_text(struct config *c, const char *text, char *err, size_t errlen);

/*
 * Splits a line into arguments with Redis's quoting rules ("..." with \n \r
 * \t \b \a \\ \" \xHH escapes, '...' with \': proto's resp_split_args).
 * Returns the count, -EINVAL for unbalanced quotes or -ENOMEM; *out is an
 * array of NUL-terminated strings from mem_alloc (free with
 * config_free_args). lens receives the lengths (values may hold NULs).
 */
int config_split_args(const char *line, char ***out, size_t **lens);
void config_free_args(char **args, size_t *lens, int argc);

/*
 * CONFIG REWRITE: rewrites `path` so that it holds the values in force, as
 * Redis does: lines of known parameters are replaced (first occurrence) or
 * dropped (later ones), every other line is kept, and parameters that differ
 * from their defaults and had no line are appended. Returns 0 or -errno.
 */
int config_rewrite(struct config *c, const char *path);

/* Redis's memtoll: "1gb" = 2^30, "1g" = 10^9, "5mb", "100" ... Returns 0,
 * -EINVAL (not a memory value) or -ERANGE (one past LLONG_MAX). */
int config_parse_memory(const char *s, long long *out);

#ifdef __cplusplus
}
#endif
#endif
