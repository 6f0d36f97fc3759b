/*
 * The parameter table and the values in force. One table entry describes a
 * parameter completely (type, range, default, mutability), so the config
 * file, the command line, CONFIG GET and CONFIG SET share it.
 */
#include "net/config.h"
#include "net/loading.h"
#include "net/config_internal.h"

#include "core/alloc.h"
#include "core/lock.h"
#include "core/log.h"
#include "store/events.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const loglevel_names[] = {"debug", "verbose", "notice", "warning", NULL};
static const char *const debug_command_names[] = {"no", "yes", "local", NULL};
static const char *const appendfsync_names[] = {"everysec", "always", "no", NULL};
static const long long default_output_limits[3][3] = {
    {0, 0, 0},
    {256LL << 20, 64LL << 20, 60},
    {32LL << 20, 8LL << 20, 60},
};

struct config {
    /* Numeric, boolean and enum values (string parameters hold 0). */
    ATOMIC(long long) numbers[CONFIG_COUNT];
    /* client-output-buffer-limit: 3 classes x {hard, soft, seconds}. */
    ATOMIC(long long) output_limits[3][3];
    /* Bumped by every change, so connections notice a new limit cheaply. */
    ATOMIC(uint64_t) version;
    struct lock lock; /* guards strings */
    char *strings[CONFIG_COUNT];
    size_t string_lens[CONFIG_COUNT]; /* requirepass may hold NULs */
};

static const struct param params[CONFIG_COUNT] = {
    /* CONFIG SET moves the listener (net/listener.h), as Redis 7 rebinds. */
    [CONFIG_PORT] = {"port", TYPE_INT, false, 0, 65535, 6379, NULL, NULL},
    [CONFIG_BIND] = {"bind", TYPE_LIST, true, 0, 0, 0, "127.0.0.1 -::1", NULL},
    [CONFIG_UNIXSOCKET] = {"unixsocket", TYPE_STRING, true, 0, 0, 0, "", NULL},
    [CONFIG_UNIXSOCKETPERM] = {"unixsocketperm", TYPE_OCTAL, true, 0, 0777, 0, NULL, NULL},
    [CONFIG_THREADS] = {"threads", TYPE_INT, true, 1, 256, 0, NULL, NULL},
    [CONFIG_SHARDS] = {"shards", TYPE_POW2, true, 0, 1 << 16, 0, NULL, NULL},
    [CONFIG_DATABASES] = {"databases", TYPE_INT, true, 1, INT_MAX, 16, NULL, NULL},
    [CONFIG_MAXCLIENTS] = {"maxclients", TYPE_INT, false, 1, UINT_MAX, 10000, NULL, NULL},
    [CONFIG_TIMEOUT] = {"timeout", TYPE_INT, false, 0, INT_MAX, 0, NULL, NULL},
    [CONFIG_TCP_BACKLOG] = {"tcp-backlog", TYPE_INT, true, 0, INT_MAX, 511, NULL, NULL},
    [CONFIG_TCP_KEEPALIVE] = {"tcp-keepalive", TYPE_INT, false, 0, INT_MAX, 300, NULL, NULL},
    [CONFIG_HZ] = {"hz", TYPE_INT, false, 0, INT_MAX, 10, NULL, NULL},
    [CONFIG_REQUIREPASS] = {"requirepass", TYPE_BINARY, false, 0, 0, 0, "", NULL},
    [CONFIG_LOGFILE] = {"logfile", TYPE_STRING, true, 0, 0, 0, "", NULL},
    [CONFIG_LOGLEVEL] = {"loglevel", TYPE_ENUM, false, 0, 0, LOG_NOTICE, NULL, loglevel_names},
    [CONFIG_PROTO_MAX_BULK_LEN] = {"proto-max-bulk-len", TYPE_MEMORY, false, 1 << 20, LLONG_MAX,
                                   512LL << 20, NULL, NULL},
    [CONFIG_CLIENT_QUERY_BUFFER_LIMIT] = {"client-query-buffer-limit", TYPE_MEMORY, false, 1 << 20,
                                          LLONG_MAX, 1LL << 30, NULL, NULL},
    [CONFIG_CLIENT_OUTPUT_BUFFER_LIMIT] = {"client-output-buffer-limit", TYPE_OUTPUT_LIMIT, false,
                                           0, 0, 0, NULL, NULL},
    [CONFIG_SAVE] = {"save", TYPE_SAVE, false, 0, 0, 0, "", NULL},
    [CONFIG_APPENDONLY] = {"appendonly", TYPE_BOOL, false, 0, 1, 0, NULL, NULL},
    [CONFIG_ENABLE_DEBUG_COMMAND] = {"enable-debug-command", TYPE_ENUM, true, 0, 0, CONFIG_DEBUG_NO,
                                     NULL, debug_command_names},
    /* Whether CONFIG SET may change dir and dbfilename (Redis 7). */
    [CONFIG_ENABLE_PROTECTED_CONFIGS] = {"enable-protected-configs", TYPE_ENUM, true, 0, 0,
                                         CONFIG_DEBUG_NO, NULL, debug_command_names},
    [CONFIG_LIST_MAX_LISTPACK_SIZE] = {"list-max-listpack-size", TYPE_INT, false, INT_MIN, INT_MAX,
                                       -2, NULL, NULL},
    [CONFIG_LIST_COMPRESS_DEPTH] = {"list-compress-depth", TYPE_INT, false, 0, INT_MAX, 0, NULL,
                                    NULL},
    [CONFIG_SET_MAX_INTSET_ENTRIES] = {"set-max-intset-entries", TYPE_INT, false, 0, LLONG_MAX, 512,
                                       NULL, NULL},
    [CONFIG_SET_MAX_LISTPACK_ENTRIES] = {"set-max-listpack-entries", TYPE_INT, false, 0, LLONG_MAX,
                                         128, NULL, NULL},
    [CONFIG_SET_MAX_LISTPACK_VALUE] = {"set-max-listpack-value", TYPE_INT, false, 0, LLONG_MAX, 64,
                                       NULL, NULL},
    [CONFIG_NOTIFY_KEYSPACE_EVENTS] = {"notify-keyspace-events", TYPE_NOTIFY, false, 0, 0, 0, NULL,
                                       NULL},
    /* Redis 7.0's defaults (server.h), 512 and 64. */
    [CONFIG_HASH_MAX_LISTPACK_ENTRIES] = {"hash-max-listpack-entries", TYPE_INT, false, 0, LONG_MAX,
                                          512, NULL, NULL},
    [CONFIG_HASH_MAX_LISTPACK_VALUE] = {"hash-max-listpack-value", TYPE_MEMORY, false, 0, LONG_MAX,
                                        64, NULL, NULL},
    [CONFIG_HLL_SPARSE_MAX_BYTES] = {"hll-sparse-max-bytes", TYPE_MEMORY, false, 0, LLONG_MAX, 3000,
                                     NULL, NULL},
    [CONFIG_SLOWLOG_LOG_SLOWER_THAN] = {"slowlog-log-slower-than", TYPE_INT, false, -1, LLONG_MAX,
                                        10000, NULL, NULL},
    [CONFIG_SLOWLOG_MAX_LEN] = {"slowlog-max-len", TYPE_INT, false, 0, LLONG_MAX, 128, NULL, NULL},
    [CONFIG_LATENCY_MONITOR_THRESHOLD] = {"latency-monitor-threshold", TYPE_INT, false, 0,
                                          LLONG_MAX, 0, NULL, NULL},
    [CONFIG_LATENCY_TRACKING] = {"latency-tracking", TYPE_BOOL, false, 0, 1, 1, NULL, NULL},
    /* Accepted and reported: Magpie frees every big value in the background
     * whatever they say (store/lazyfree.h). */
    [CONFIG_LAZYFREE_LAZY_EVICTION] = {"lazyfree-lazy-eviction", TYPE_BOOL, false, 0, 1, 0, NULL,
                                       NULL},
    [CONFIG_LAZYFREE_LAZY_EXPIRE] = {"lazyfree-lazy-expire", TYPE_BOOL, false, 0, 1, 0, NULL, NULL},
    [CONFIG_LAZYFREE_LAZY_SERVER_DEL] = {"lazyfree-lazy-server-del", TYPE_BOOL, false, 0, 1, 0,
                                         NULL, NULL},
    [CONFIG_LAZYFREE_LAZY_USER_DEL] = {"lazyfree-lazy-user-del", TYPE_BOOL, false, 0, 1, 0, NULL,
                                       NULL},
    [CONFIG_LAZYFREE_LAZY_USER_FLUSH] = {"lazyfree-lazy-user-flush", TYPE_BOOL, false, 0, 1, 0,
                                         NULL, NULL},
    /* Redis 7.0's defaults, 128 and 64. */
    [CONFIG_ZSET_MAX_LISTPACK_ENTRIES] = {"zset-max-listpack-entries", TYPE_INT, false, 0, LONG_MAX,
                                          128, NULL, NULL},
    [CONFIG_ZSET_MAX_LISTPACK_VALUE] = {"zset-max-listpack-value", TYPE_MEMORY, false, 0, LONG_MAX,
                                        64, NULL, NULL},
    [CONFIG_TRACKING_TABLE_MAX_KEYS] = {"tracking-table-max-keys", TYPE_INT, false, 0, LLONG_MAX,
                                        1000000, NULL, NULL},
    /* Redis 7.0's defaults; the file and directory names are fixed at start. */
    [CONFIG_APPENDFILENAME] = {"appendfilename", TYPE_STRING, true, 0, 0, 0, "appendonly.aof",
                               NULL},
    [CONFIG_APPENDDIRNAME] = {"appenddirname", TYPE_STRING, true, 0, 0, 0, "appendonlydir", NULL},
    [CONFIG_APPENDFSYNC] = {"appendfsync", TYPE_ENUM, false, 0, 0, CONFIG_FSYNC_EVERYSEC, NULL,
                            appendfsync_names},
    [CONFIG_NO_APPENDFSYNC_ON_REWRITE] = {"no-appendfsync-on-rewrite", TYPE_BOOL, false, 0, 1, 0,
                                          NULL, NULL},
    [CONFIG_AOF_LOAD_TRUNCATED] = {"aof-load-truncated", TYPE_BOOL, false, 0, 1, 1, NULL, NULL},
    [CONFIG_AOF_USE_RDB_PREAMBLE] = {"aof-use-rdb-preamble", TYPE_BOOL, false, 0, 1, 1, NULL, NULL},
    [CONFIG_AUTO_AOF_REWRITE_PERCENTAGE] = {"auto-aof-rewrite-percentage", TYPE_INT, false, 0,
                                            INT_MAX, 100, NULL, NULL},
    [CONFIG_AUTO_AOF_REWRITE_MIN_SIZE] = {"auto-aof-rewrite-min-size", TYPE_MEMORY, false, 0,
                                          LLONG_MAX, 64LL << 20, NULL, NULL},
    /* RDB snapshots (net/persist.h). `dir` is kept as an absolute path
     * (empty: the working directory) and never changes the process's. */
    [CONFIG_DBFILENAME] = {"dbfilename", TYPE_FILENAME, false, 0, 0, 0, "dump.rdb", NULL},
    [CONFIG_DIR] = {"dir", TYPE_DIR, false, 0, 0, 0, "", NULL},
    [CONFIG_RDBCOMPRESSION] = {"rdbcompression", TYPE_BOOL, false, 0, 1, 1, NULL, NULL},
    [CONFIG_RDBCHECKSUM] = {"rdbchecksum", TYPE_BOOL, false, 0, 1, 1, NULL, NULL},
    [CONFIG_STOP_WRITES_ON_BGSAVE_ERROR] = {"stop-writes-on-bgsave-error", TYPE_BOOL, false, 0, 1,
                                            1, NULL, NULL},
};

/* Redis's older names for some parameters (7.0 renamed ziplist to listpack). */
static const struct {
    const char *name;
    enum config_id id;
} aliases[] = {
    {"list-max-ziplist-size", CONFIG_LIST_MAX_LISTPACK_SIZE},
    {"hash-max-ziplist-entries", CONFIG_HASH_MAX_LISTPACK_ENTRIES},
    {"hash-max-ziplist-value", CONFIG_HASH_MAX_LISTPACK_VALUE},
    {"zset-max-ziplist-entries", CONFIG_ZSET_MAX_LISTPACK_ENTRIES},
    {"zset-max-ziplist-value", CONFIG_ZSET_MAX_LISTPACK_VALUE},
};

const char *config_name_at(int index, enum config_id *id)
{
    if (index >= 0 && index < CONFIG_COUNT) {
        *id = (enum config_id)index;
        return params[index].name;
    }
    index -= CONFIG_COUNT;
    if (index < 0 || (size_t)index >= ARRAY_SIZE(aliases))
        return NULL;
    *id = aliases[index].id;
    return aliases[index].name;
}

int config_lookup(const char *name, size_t len)
{
    enum config_id id;
    const char *known;
    for (int i = 0; (known = config_name_at(i, &id)) != NULL; i++)
        if (strlen(known) == len && strncasecmp(known, name, len) == 0)
            return (int)id;
    return -1;
}

enum param_type config__param_type(enum config_id id)
{
    return params[id].type;
}

const char *config_name(enum config_id id)
{
    return params[id].name;
}

static int default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 256 ? 256 : (int)n;
}

struct config *config_new(void)
{
    struct config *c = mem_calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    lock_init(&c->lock, LOCK_CLASS_CONFIG, 0);
    for (int i = 0; i < CONFIG_COUNT; i++) {
        atomic_init(&c->numbers[i], params[i].def);
        if (params[i].def_string) {
            c->strings[i] = mem_strdup(params[i].def_string);
            c->string_lens[i] = strlen(params[i].def_string);
            if (!c->strings[i]) {
                config_free(c);
                return NULL;
            }
        }
    }
    atomic_init(&c->numbers[CONFIG_THREADS], default_threads());
    for (int cls = 0; cls < 3; cls++)
        for (int k = 0; k < 3; k++)
            atomic_init(&c->output_limits[cls][k], default_output_limits[cls][k]);
    atomic_init(&c->version, 0);
    return c;
}

void config_free(struct config *c)
{
    if (!c)
        return;
    for (int i = 0; i < CONFIG_COUNT; i++) {
        mem_free(c->strings[i]);
        c->strings[i] = NULL;
    }
    lock_destroy(&c->lock);
    mem_free(c);
}

/* Values are independent of each other: a reader that sees a new limit a
 * moment late is as correct as Redis, where CONFIG SET applies between
 * commands. Hence relaxed everywhere. */
long long config_number(const struct config *c, enum config_id id)
{
    return atomic_load_explicit(&c->numbers[id], memory_order_relaxed);
}

struct config_output_limit config_get_output_limit(const struct config *c,
                                                   enum config_client_class cls)
{
    struct config_output_limit l = {
        atomic_load_explicit(&c->output_limits[cls][0], memory_order_relaxed),
        atomic_load_explicit(&c->output_limits[cls][1], memory_order_relaxed),
        atomic_load_explicit(&c->output_limits[cls][2], memory_order_relaxed),
    };
    return l;
}

uint64_t config_version(const struct config *c)
{
    return atomic_load_explicit(&c->version, memory_order_relaxed);
}

size_t config_string(struct config *c, enum config_id id, char *buf, size_t size)
{
    size_t n = 0;
    LOCK_GUARD (&c->lock) {
        const char *s = c->strings[id] ? c->strings[id] : "";
        n = c->strings[id] ? c->string_lens[id] : 0;
        if (n >= size)
            n = size - 1;
        memcpy(buf, s, n);
        buf[n] = '\0';
    }
    return n;
}

bool config_password_matches(struct config *c, const char *password, size_t len)
{
    bool match = false;
    LOCK_GUARD (&c->lock) {
        const char *s = c->strings[CONFIG_REQUIREPASS] ? c->strings[CONFIG_REQUIREPASS] : "";
        size_t slen = c->strings[CONFIG_REQUIREPASS] ? c->string_lens[CONFIG_REQUIREPASS] : 0;
        /* Compare every byte whatever the outcome, so timing does not reveal
         * how long a matching prefix is. */
        unsigned char diff = slen != len;
        for (size_t i = 0; i < len; i++)
            diff |= (unsigned char)password[i] ^ (unsigned char)(i < slen ? s[i] : 0);
        match = diff == 0;
    }
    return match;
}

/* Installs a validated value. Caller holds c->lock. */
static void apply_value(struct config *c, enum config_id id, struct parsed *v) REQUIRES(c->lock)
{
    const struct param *p = &params[id];
    if (p->type == TYPE_OUTPUT_LIMIT) {
        for (int cls = 0; cls < 3; cls++)
            for (int k = 0; v->limit_given[cls] && k < 3; k++)
                atomic_store_explicit(&c->output_limits[cls][k], v->limits[cls][k],
                                      memory_order_relaxed);
    } else if (v->string) {
        mem_free(c->strings[id]);
        c->strings[id] = v->string;
        c->string_lens[id] = v->string_len;
        v->string = NULL;
    } else {
        long long n = v->number;
        if (id == CONFIG_HZ)
            n = n < 1 ? 1 : n > 500 ? 500 : n; /* Redis clamps hz the same way */
        atomic_store_explicit(&c->numbers[id], n, memory_order_relaxed);
        if (id == CONFIG_LOGLEVEL)
            log_set_level((enum log_level)n);
    }
    atomic_fetch_add_explicit(&c->version, 1, memory_order_relaxed);
}

int config_set(struct config *c, enum config_id id, int argc, const char *const *argv,
               const size_t *lens, bool running, char err[CONFIG_ERROR_MAX])
{
    const struct param *p = &params[id];
    const char *why = NULL;
    if (running && p->immutable) {
        snprintf(err, CONFIG_ERROR_MAX, "can't set immutable config");
        return -EINVAL;
    }
    struct parsed v;
    int rc = config__parse_value(p, argc, argv, lens, &v, &why, err);
    if (rc == -ENOMEM)
        why = "out of memory";
    if (rc) {
        if (why != err)
            snprintf(err, CONFIG_ERROR_MAX, "%s", why);
        return -EINVAL;
    }
    LOCK_GUARD (&c->lock) {
        apply_value(c, id, &v);
    }
    return 0;
}

/* Why CONFIG SET may not set `id` now (NULL: it may, unless the data is
 * loading: refused_while_loading). Redis's checks after the name's, in its
 * order. */
static const char *refused(int id, unsigned refuse)
{
    if (params[id].immutable)
        return "can't set immutable config";
    if (refuse & CONFIG_REFUSE_PROTECTED && (id == CONFIG_DIR || id == CONFIG_DBFILENAME))
        return "can't set protected config";
    return NULL;
}

static bool refused_while_loading(int id, unsigned refuse)
{
    return refuse & CONFIG_REFUSE_LOADING && (id == CONFIG_APPENDONLY || id == CONFIG_DIR);
}

int config_set_many(struct config *c, int argc, const char *const *argv, const size_t *lens,
                    unsigned refuse, char err[CONFIG_ERROR_MAX + 128])
{
    int pairs = argc / 2;
    int ids[CONFIG_NAMES_MAX];
    const char *unknown = NULL;
    if (argc % 2 || pairs > CONFIG_NAMES_MAX) {
        snprintf(err, CONFIG_ERROR_MAX + 128,
                 "ERR wrong number of arguments for 'config|set' command");
        return -EINVAL;
    }
    /* First the names, as Redis orders its checks: an unknown name wins unless an
     * immutable or duplicate one comes before it. */
    for (int i = 0; i < pairs; i++) {
        const char *name = argv[2 * i];
        int id = config_lookup(name, strlen(name));
        if (id < 0) {
            if (!unknown)
                unknown = name;
            continue;
        }
        if (unknown)
            continue;
        const char *why = refused(id, refuse);
        if (!why && refused_while_loading(id, refuse)) { /* the whole reply, as Redis's */
            snprintf(err, CONFIG_ERROR_MAX + 128, "%s", LOADING_ERROR);
            return -EINVAL;
        }
        /* A name given twice; a name and its alias are not (the later wins). */
        for (int j = 0; !why && j < i; j++)
            if (strcasecmp(argv[2 * j], name) == 0)
                why = "duplicate parameter";
        if (why) {
            snprintf(err, CONFIG_ERROR_MAX + 128,
                     "ERR CONFIG SET failed (possibly related to argument '%s') - %s", name, why);
            return -EINVAL;
        }
        ids[i] = id;
    }
    if (unknown) {
        snprintf(err, CONFIG_ERROR_MAX + 128,
                 "ERR Unknown option or number of arguments for CONFIG SET - '%s'", unknown);
        return -EINVAL;
    }
    struct parsed values[CONFIG_NAMES_MAX];
    int rc = 0, parsed = 0;
    for (; parsed < pairs; parsed++) {
        const char *why = NULL;
        char reason[CONFIG_ERROR_MAX];
        const struct param *p = &params[ids[parsed]];
        const char *value = argv[2 * parsed + 1];
        const size_t *len = lens ? &lens[2 * parsed + 1] : NULL;
        /* CONFIG SET takes one string; multi-valued parameters split it. */
        rc = config__parse_value(p, 1, &value, len, &values[parsed], &why, reason);
        if (rc) {
            snprintf(err, CONFIG_ERROR_MAX + 128,
                     "ERR CONFIG SET failed (possibly related to argument '%s') - %s",
                     argv[2 * parsed], rc == -ENOMEM ? "out of memory" : why);
            break;
        }
    }
    if (rc == 0) {
        LOCK_GUARD (&c->lock) {
            for (int i = 0; i < pairs; i++)
                apply_value(c, (enum config_id)ids[i], &values[i]);
        }
    }
    for (int i = 0; i < parsed; i++)
        mem_free(values[i].string);
    return rc ? -EINVAL : 0;
}

size_t config_format(struct config *c, enum config_id id, char *buf, size_t size)
{
    const struct param *p = &params[id];
    long long n = config_number(c, id);
    switch (p->type) {
    case TYPE_DIR: {
        size_t len = config_string(c, id, buf, size);
        if (len || !getcwd(buf, size))
            return len;
        return strlen(buf);
    }
    case TYPE_STRING:
    case TYPE_FILENAME:
    case TYPE_BINARY:
    case TYPE_LIST:
    case TYPE_SAVE:
        return config_string(c, id, buf, size);
    case TYPE_BOOL:
        return (size_t)snprintf(buf, size, "%s", n ? "yes" : "no");
    case TYPE_ENUM:
        return (size_t)snprintf(buf, size, "%s", p->enum_names[n]);
    case TYPE_OCTAL:
        return (size_t)snprintf(buf, size, "%llo", n);
    case TYPE_NOTIFY:
        return notify_flags_format((unsigned)n, buf, size);
    case TYPE_OUTPUT_LIMIT: {
        size_t len = 0;
        for (int cls = 0; cls < 3 && len < size; cls++) {
            struct config_output_limit l =
                config_get_output_limit(c, (enum config_client_class)cls);
            len += (size_t)snprintf(buf + len, size - len, "%s%s %lld %lld %lld", cls ? " " : "",
                                    config__class_names[cls], l.hard_bytes, l.soft_bytes,
                                    l.soft_seconds);
        }
        return len < size ? len : size - 1;
    }
    default:
        return (size_t)snprintf(buf, size, "%lld", n);
    }
}
