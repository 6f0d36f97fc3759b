#include "tools/stress/args.h"

#include "tools/stress/args_internal.h"
#include "tools/stress/verify.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const struct stress_option stress_option_table[OPT_COUNT] = {
    [OPT_HOST] = {"host", true},
    [OPT_PORT] = {"port", true},
    [OPT_CLIENTS] = {"clients", true},
    [OPT_THREADS] = {"threads", true},
    [OPT_PIPELINE] = {"pipeline", true},
    [OPT_DURATION] = {"duration", true},
    [OPT_REQUESTS] = {"requests", true},
    [OPT_KEYS] = {"keys", true},
    [OPT_DIST] = {"dist", true},
    [OPT_MIX] = {"mix", true},
    [OPT_VALUE_SIZE] = {"value-size", true},
    [OPT_RATE] = {"rate", true},
    [OPT_JSON] = {"json", true},
    [OPT_SVG] = {"svg", true},
    [OPT_LABEL] = {"label", true},
    [OPT_QUIET] = {"quiet", false},
    [OPT_VERIFY] = {"verify", false},
    [OPT_VERIFY_RESTART] = {"verify-restart", true},
    [OPT_INPROCESS] = {"inprocess", false},
    [OPT_SHARDS] = {"shards", true},
    [OPT_SEED] = {"seed", true},
    [OPT_QUEUE] = {"queue", true},
    [OPT_QUEUE_POP] = {"queue-pop", true},
    [OPT_QUEUE_KEYS] = {"queue-keys", true},
    [OPT_QUEUE_SABOTAGE] = {"queue-sabotage", false},
    [OPT_PUBSUB] = {"pubsub", true},
    [OPT_PUBSUB_CHANNELS] = {"pubsub-channels", true},
    [OPT_PUBSUB_PATTERNS] = {"pubsub-patterns", true},
    [OPT_PUBSUB_SABOTAGE] = {"pubsub-sabotage", false},
    [OPT_TRANSFER] = {"transfer", true},
    [OPT_TRANSFER_ACCOUNTS] = {"transfer-accounts", true},
    [OPT_TRANSFER_WATCH] = {"transfer-watch", false},
    [OPT_TRANSFER_READ] = {"transfer-read", true},
    [OPT_TRANSFER_SABOTAGE] = {"transfer-sabotage", false},
    [OPT_HELP] = {"help", false},
};

int stress_args_fail(struct parse_state *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, st->err_size, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/* An unsigned integer with an optional k/m/g suffix (powers of 1000 for
 * counts, 1024 for sizes), within [min, max]. */
static int parse_count(struct parse_state *st, const char *opt, const char *text, uint64_t min,
                       uint64_t max, uint64_t unit, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*text < '0' || *text > '9')
        return stress_args_fail(st, "--%s: '%s' is not a number in %llu..%llu", opt, text,
                                (unsigned long long)min, (unsigned long long)max);
    unsigned long long v = strtoull(text, &end, 10);
    uint64_t mult = 1;
    if (*end == 'k' || *end == 'K')
        mult = unit, end++;
    else if (*end == 'm' || *end == 'M')
        mult = unit * unit, end++;
    else if (*end == 'g' || *end == 'G')
        mult = unit * unit * unit, end++;
    if (errno || *end != '\0' || (v && mult > UINT64_MAX / v) || v * mult < min || v * mult > max)
        return stress_args_fail(st, "--%s: '%s' is not a number in %llu..%llu", opt, text,
                                (unsigned long long)min, (unsigned long long)max);
    *out = v * mult;
    return 0;
}

static int parse_int(struct parse_state *st, const char *opt, const char *text, int min, int max,
                     int *out)
{
    uint64_t v;
    if (parse_count(st, opt, text, (uint64_t)min, (uint64_t)max, 1000, &v) < 0)
        return -EINVAL;
    *out = (int)v;
    return 0;
}

/*
 * Splits a comma-separated list into items[] (pointers into buf, a copy of
 * text); an empty item is an error, so "1,,2" is not silently "1,2".
 */
static int split_list(struct parse_state *st, const char *opt, const char *text, char *buf,
                      size_t buf_size, char **items, int *count)
{
    if (strlen(text) >= buf_size)
        return stress_args_fail(st, "--%s: list too long", opt);
    strcpy(buf, text);
    *count = 0;
    for (char *item = buf;;) {
        char *comma = strchr(item, ',');
        if (comma)
            *comma = '\0';
        if (*item == '\0')
            return stress_args_fail(st, "--%s: empty item in '%s'", opt, text);
        if (*count == STRESS_LIST_MAX)
            return stress_args_fail(st, "--%s: at most %d values", opt, STRESS_LIST_MAX);
        items[(*count)++] = item;
        if (!comma)
            return 0;
        item = comma + 1;
    }
}

static int parse_int_list(struct parse_state *st, const char *opt, const char *text, int min,
                          int max, int *list, int *count)
{
    char buf[256], *items[STRESS_LIST_MAX];
    if (split_list(st, opt, text, buf, sizeof(buf), items, count) < 0)
        return -EINVAL;
    for (int i = 0; i < *count; i++)
        if (parse_int(st, opt, items[i], min, max, &list[i]) < 0)
            return -EINVAL;
    return 0;
}

static int parse_dist_list(struct parse_state *st, const char *text, struct stress_options *o)
{
    char buf[256], *items[STRESS_LIST_MAX];
    if (split_list(st, "dist", text, buf, sizeof(buf), items, &o->dist_count) < 0)
        return -EINVAL;
    for (int i = 0; i < o->dist_count; i++)
        if (keydist_parse(items[i], &o->dists[i]) < 0)
            return stress_args_fail(st,
                                    "--dist: '%s' is not uniform, zipf:S (0 < S <= 10) or hot:P "
                                    "(0 <= P <= 1)",
                                    items[i]);
    return 0;
}

int stress_parse_duration(const char *text, uint64_t *out_ns)
{
    char *end;
    errno = 0;
    if ((*text < '0' || *text > '9') && *text != '.')
        return -EINVAL;
    double v = strtod(text, &end);
    double scale;
    if (strcmp(end, "") == 0 || strcmp(end, "s") == 0)
        scale = 1e9;
    else if (strcmp(end, "ms") == 0)
        scale = 1e6;
    else if (strcmp(end, "us") == 0)
        scale = 1e3;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        scale = 60e9;
    else if (strcmp(end, "h") == 0)
        scale = 3600e9;
    else
        return -EINVAL;
    if (errno || end == text || !isfinite(v) || v <= 0 || v * scale > 1e9 * 86400 * 7 ||
        v * scale < 1e6)
        return -EINVAL;
    *out_ns = (uint64_t)(v * scale);
    return 0;
}

static int apply_option(struct parse_state *st, enum option_id id, const char *v,
                        struct stress_options *o)
{
    const char *name = stress_option_table[id].name;
    uint64_t n;
    switch (id) {
    case OPT_HOST:
        if (!*v)
            return stress_args_fail(st, "--host: empty");
        o->host = v;
        return 0;
    case OPT_PORT:
        return parse_int(st, name, v, 1, 65535, &o->port);
    case OPT_CLIENTS:
        return parse_int(st, name, v, 1, 100000, &o->clients);
    case OPT_THREADS:
        return parse_int_list(st, name, v, 1, 1024, o->threads, &o->thread_count);
    case OPT_SHARDS:
        if (parse_int_list(st, name, v, 1, 1 << 16, o->shards, &o->shard_count) < 0)
            return -EINVAL;
        for (int i = 0; i < o->shard_count; i++)
            if (o->shards[i] & (o->shards[i] - 1))
                return stress_args_fail(st, "--shards: %d is not a power of two", o->shards[i]);
        return 0;
    case OPT_PIPELINE:
        return parse_int(st, name, v, 1, 100000, &o->pipeline);
    case OPT_DURATION:
        if (stress_parse_duration(v, &o->duration_ns) < 0)
            return stress_args_fail(st,
                                    "--duration: '%s' is not a duration like 10s, 500ms, 2m "
                                    "(1ms..7 days)",
                                    v);
        return 0;
    case OPT_REQUESTS:
        return parse_count(st, name, v, 1, UINT64_C(1) << 50, 1000, &o->requests);
    case OPT_KEYS:
        return parse_count(st, name, v, 1, UINT64_C(1) << 40, 1000, &o->keys);
    case OPT_DIST:
        return parse_dist_list(st, v, o);
    case OPT_MIX: {
        char why[160];
        if (op_mix_parse(v, &o->mix, why, sizeof(why)) < 0)
            return stress_args_fail(st, "--mix: %s", why);
        return 0;
    }
    case OPT_VALUE_SIZE:
        if (parse_count(st, name, v, 1, 64 << 20, 1024, &n) < 0)
            return -EINVAL;
        o->value_size = (size_t)n;
        return 0;
    case OPT_RATE: {
        char *end;
        errno = 0;
        double r = strtod(v, &end);
        if (errno || end == v || *end || !isfinite(r) || r < 0 || r > 1e9)
            return stress_args_fail(st, "--rate: '%s' is not a rate in requests/s (0..1e9)", v);
        o->rate = r;
        return 0;
    }
    case OPT_JSON:
        o->json_path = v;
        return 0;
    case OPT_SVG:
        o->svg_path = v;
        return 0;
    case OPT_LABEL:
        o->label = v;
        return 0;
    case OPT_SEED:
        return parse_count(st, name, v, 0, UINT64_MAX, 1, &o->seed);
    case OPT_QUIET:
        o->quiet = true;
        return 0;
    case OPT_VERIFY:
        o->verify = true;
        return 0;
    case OPT_VERIFY_RESTART:
        o->verify = true;
        if (stress_parse_duration(v, &o->verify_restart_ns) < 0)
            return stress_args_fail(st, "--verify-restart: '%s' is not a duration", v);
        return 0;
    case OPT_INPROCESS:
        o->inprocess = true;
        return 0;
    case OPT_QUEUE:
        if (queue_spec_parse(v, &o->queue.producers, &o->queue.consumers) < 0)
            return stress_args_fail(st, "--queue: '%s' is not PRODUCERS:CONSUMERS (each 1..%d)", v,
                                    QUEUE_ROLE_MAX);
        return 0;
    case OPT_QUEUE_POP:
        if (queue_pop_mode_parse(v, &o->queue.pop) < 0)
            return stress_args_fail(st, "--queue-pop: '%s' is not brpop or rpop", v);
        return 0;
    case OPT_QUEUE_KEYS:
        return parse_int(st, name, v, 1, QUEUE_KEYS_MAX, &o->queue.keys);
    case OPT_QUEUE_SABOTAGE:
        o->queue.sabotage = true;
        return 0;
    case OPT_PUBSUB:
        if (pubsub_spec_parse(v, &o->pubsub.publishers, &o->pubsub.subscribers) < 0)
            return stress_args_fail(st, "--pubsub: '%s' is not PUBLISHERS:SUBSCRIBERS (each 1..%d)",
                                    v, PUBSUB_ROLE_MAX);
        return 0;
    case OPT_PUBSUB_CHANNELS:
        return parse_int(st, name, v, 1, PUBSUB_CHANNELS_MAX, &o->pubsub.channels);
    case OPT_PUBSUB_PATTERNS:
        return parse_int(st, name, v, 0, PUBSUB_ROLE_MAX, &o->pubsub.pattern_subscribers);
    case OPT_PUBSUB_SABOTAGE:
        o->pubsub.sabotage = true;
        return 0;
    case OPT_TRANSFER:
        if (transfer_spec_parse(v, &o->transfer.movers, &o->transfer.readers) < 0)
            return stress_args_fail(st,
                                    "--transfer: '%s' is not MOVERS:READERS (movers 1..%d, "
                                    "readers 0..%d)",
                                    v, TRANSFER_ROLE_MAX, TRANSFER_ROLE_MAX);
        return 0;
    case OPT_TRANSFER_ACCOUNTS:
        return parse_int(st, name, v, 2, TRANSFER_ACCOUNTS_MAX, &o->transfer.accounts);
    case OPT_TRANSFER_WATCH:
        o->transfer.watch = true;
        return 0;
    case OPT_TRANSFER_READ:
        if (transfer_read_mode_parse(v, &o->transfer.read) < 0)
            return stress_args_fail(st, "--transfer-read: '%s' is not get or mget", v);
        return 0;
    case OPT_TRANSFER_SABOTAGE:
        o->transfer.sabotage = true;
        return 0;
    case OPT_HELP:
    case OPT_COUNT:
        break;
    }
    return 0;
}

/* Options that make sense in one mode only are refused in the other, so a
 * typo does not silently run a different experiment. */
static int check_mode(struct parse_state *st, struct stress_options *o)
{
    static const enum option_id network_only[] = {OPT_HOST,
                                                  OPT_PORT,
                                                  OPT_CLIENTS,
                                                  OPT_PIPELINE,
                                                  OPT_RATE,
                                                  OPT_VERIFY,
                                                  OPT_REQUESTS,
                                                  OPT_QUEUE,
                                                  OPT_QUEUE_POP,
                                                  OPT_QUEUE_KEYS,
                                                  OPT_QUEUE_SABOTAGE,
                                                  OPT_PUBSUB,
                                                  OPT_PUBSUB_CHANNELS,
                                                  OPT_PUBSUB_PATTERNS,
                                                  OPT_PUBSUB_SABOTAGE,
                                                  OPT_TRANSFER,
                                                  OPT_TRANSFER_ACCOUNTS,
                                                  OPT_TRANSFER_WATCH,
                                                  OPT_TRANSFER_READ,
                                                  OPT_TRANSFER_SABOTAGE};
    if (o->inprocess) {
        for (size_t i = 0; i < ARRAY_SIZE(network_only); i++)
            if (st->given[network_only[i]])
                return stress_args_fail(st, "--%s does not apply to --inprocess",
                                        stress_option_table[network_only[i]].name);
        if (op_mix_has_aggregate(&o->mix))
            return stress_args_fail(st, "--mix: list, hash and set operations need a server "
                                        "(--inprocess drives the string keyspace only)");
        if (!st->given[OPT_THREADS])
            o->thread_count = 4, o->threads[0] = 1, o->threads[1] = 2, o->threads[2] = 4,
            o->threads[3] = 8;
        if (!st->given[OPT_DURATION])
            o->duration_ns = 2000000000ull;
        if (!st->given[OPT_DIST])
            o->dist_count = 2, o->dists[1] = (struct keydist_spec){KEYDIST_HOT, 0.9};
        return 0;
    }
    if (st->given[OPT_SHARDS])
        return stress_args_fail(st, "--shards only applies to --inprocess");
    if (o->thread_count != 1)
        return stress_args_fail(st, "--threads: the network mode takes one thread count");
    if (o->dist_count != 1)
        return stress_args_fail(st, "--dist: the network mode takes one distribution");
    if (st->given[OPT_DURATION] && st->given[OPT_REQUESTS])
        return stress_args_fail(st, "use either --duration or --requests, not both");
    if (stress_args_check_workload(st, o) < 0)
        return -EINVAL;
    const char *workload = o->queue.producers     ? "--queue"
                           : o->pubsub.publishers ? "--pubsub"
                           : o->transfer.movers   ? "--transfer"
                                                  : NULL;
    if (o->threads[0] > o->clients) {
        if (st->given[OPT_THREADS] && workload)
            return stress_args_fail(st, "--threads %d is more than the %d connections of %s",
                                    o->threads[0], o->clients, workload);
        if (st->given[OPT_THREADS])
            return stress_args_fail(st, "--threads %d is more than --clients %d", o->threads[0],
                                    o->clients);
        o->threads[0] = o->clients;
    }
    if (workload)
        return 0; /* the --verify checks below are the --mix workload's */
    if (o->verify && !st->given[OPT_MIX])
        o->mix = (struct op_mix){{50, 25, 25, 0}, 100};
    if (o->verify && o->keys > VERIFY_MAX_KEYS)
        return stress_args_fail(st, "--verify reads every key back at the end: --keys at most %u",
                                VERIFY_MAX_KEYS);
    if (o->verify && op_mix_has_aggregate(&o->mix))
        return stress_args_fail(st, "--verify checks strings and counters: no list, hash or set "
                                    "operations in --mix (--queue checks lists)");
    if (o->verify && o->mix.weight[OP_DEL])
        return stress_args_fail(st, "--verify does not support del in --mix (a deleted key has no "
                                    "order to check reads against)");
    return 0;
}

static void set_defaults(struct stress_options *o)
{
    memset(o, 0, sizeof(*o));
    o->host = "127.0.0.1";
    o->port = 6379;
    o->clients = 50;
    o->threads[0] = 4;
    o->thread_count = 1;
    o->shards[0] = 1, o->shards[1] = 16, o->shards[2] = 256;
    o->shard_count = 3;
    o->dists[0] = (struct keydist_spec){KEYDIST_UNIFORM, 0};
    o->dist_count = 1;
    o->pipeline = 1;
    o->duration_ns = 10000000000ull;
    o->keys = 10000;
    o->mix = (struct op_mix){{80, 20, 0, 0}, 100};
    o->value_size = 32;
    o->queue.keys = 4;
    o->queue.pop = QUEUE_POP_BRPOP;
    o->pubsub.channels = 4;
    o->transfer.accounts = 16;
    o->transfer.read = TRANSFER_READ_GET;
    o->seed = 0x6d61677069650001ull;
}

static int find_option(const char *name, size_t len)
{
    for (int i = 0; i < OPT_COUNT; i++)
        if (strlen(stress_option_table[i].name) == len &&
            strncmp(stress_option_table[i].name, name, len) == 0)
            return i;
    return -1;
}

enum stress_args_status stress_args_parse(int argc, char **argv, struct stress_options *out,
                                          char *err, size_t err_size)
{
    struct parse_state st = {err, err_size, {false}};
    struct stress_options o;
    set_defaults(&o);
    err[0] = '\0';
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0) {
            stress_args_fail(&st, "unexpected argument '%s' (options start with --)", arg);
            return STRESS_ARGS_ERROR;
        }
        const char *name = arg + 2, *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        int id = find_option(name, name_len);
        if (id < 0) {
            stress_args_fail(&st, "unknown option '--%.*s'", (int)name_len, name);
            return STRESS_ARGS_ERROR;
        }
        if (id == OPT_HELP)
            return STRESS_ARGS_HELP;
        const char *value = NULL;
        if (stress_option_table[id].has_value) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else {
                stress_args_fail(&st, "--%s needs a value", stress_option_table[id].name);
                return STRESS_ARGS_ERROR;
            }
        } else if (eq) {
            stress_args_fail(&st, "--%s takes no value", stress_option_table[id].name);
            return STRESS_ARGS_ERROR;
        }
        if (st.given[id]) {
            stress_args_fail(&st, "--%s given twice", stress_option_table[id].name);
            return STRESS_ARGS_ERROR;
        }
        st.given[id] = true;
        if (apply_option(&st, (enum option_id)id, value, &o) < 0)
            return STRESS_ARGS_ERROR;
    }
    if (check_mode(&st, &o) < 0)
        return STRESS_ARGS_ERROR;
    o.argc = argc;
    o.argv = argv;
    *out = o;
    return STRESS_ARGS_RUN;
}
