/*
 * Parsing and validating parameter values, with Redis 7's messages: numbers
 * and ranges, memory units, booleans, enums, save points, output buffer
 * limits. Nothing here changes the configuration.
 */
#include "net/config_internal.h"

#include "store/events.h"

#include "core/alloc.h"
#include "core/strconv.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

const char *const config__class_names[3] = {"normal", "slave", "pubsub"};

/* Joins args with single spaces into a fresh string (NULL when out of memory). */
static char *join_args(int argc, const char *const *argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *s = mem_alloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(s, " ");
        strcat(s, argv[i]);
    }
    return s;
}

static int parse_save(struct parsed *out, int argc, const char *const *argv, const char **why)
{
    char *joined = join_args(argc, argv);
    char **words = NULL;
    int n = joined ? config_split_args(joined, &words, NULL) : -ENOMEM;
    mem_free(joined);
    if (n == -ENOMEM)
        return -ENOMEM;
    bool ok = n >= 0 && n % 2 == 0;
    for (int i = 0; ok && i < n; i++) {
        long long v;
        ok = strconv_parse_ll(words[i], strlen(words[i]), &v) && v >= 0 && v <= INT_MAX;
    }
    int rc = ok ? 0 : -EINVAL;
    if (ok) {
        out->string = join_args(n, (const char *const *)words);
        out->string_len = out->string ? strlen(out->string) : 0;
        rc = out->string ? 0 : -ENOMEM;
    }
    if (n >= 0)
        config_free_args(words, NULL, n);
    if (rc == -EINVAL)
        *why = "Invalid save parameters";
    return rc;
}

static int parse_output_limit(struct parsed *out, int argc, const char *const *argv,
                              const char **why)
{
    char *joined = join_args(argc, argv);
    char **words = NULL;
    int n = joined ? config_split_args(joined, &words, NULL) : -ENOMEM;
    mem_free(joined);
    if (n == -ENOMEM)
        return -ENOMEM;
    int rc = 0;
    if (n < 0 || n % 4 != 0) {
        *why = "Wrong number of arguments in buffer limit configuration.";
        rc = -EINVAL;
    }
    for (int i = 0; rc == 0 && i < n; i += 4) {
        int cls = -1;
        for (int k = 0; k < 3; k++)
            if (strcasecmp(words[i], config__class_names[k]) == 0)
                cls = k;
        if (strcasecmp(words[i], "replica") == 0)
            cls = CONFIG_CLASS_REPLICA;
        if (cls < 0) {
            *why = "Invalid client class specified in buffer limit configuration.";
            rc = -EINVAL;
            break;
        }
        long long hard, soft, seconds;
        if (config_parse_memory(words[i + 1], &hard) || config_parse_memory(words[i + 2], &soft) ||
            !strconv_parse_ll(words[i + 3], strlen(words[i + 3]), &seconds) || seconds < 0) {
            *why = "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
            rc = -EINVAL;
            break;
        }
        out->limits[cls][0] = hard;
        out->limits[cls][1] = soft;
        out->limits[cls][2] = seconds;
        out->limit_given[cls] = true;
    }
    if (n >= 0)
        config_free_args(words, NULL, n);
    return rc;
}

static int parse_number(const struct param *p, const char *s, long long *v, const char **why,
                        char err[CONFIG_ERROR_MAX])
{
    if (p->type == TYPE_MEMORY) {
        int rc = config_parse_memory(s, v);
        if (rc == -ERANGE) { /* past LLONG_MAX: Redis's range message */
            snprintf(err, CONFIG_ERROR_MAX, "argument must be between %lld and %lld inclusive",
                     p->min, p->max);
            *why = err;
            return -EINVAL;
        }
        if (rc) {
            *why = "argument must be a memory value";
            return -EINVAL;
        }
    } else if (p->type == TYPE_OCTAL) {
        char *end;
        errno = 0;
        *v = strtoll(s, &end, 8);
        if (!*s || *end || errno) {
            *why = "argument couldn't be parsed as an octal number";
            return -EINVAL;
        }
    } else if (!strconv_parse_ll(s, strlen(s), v)) {
        *why = "argument couldn't be parsed into an integer";
        return -EINVAL;
    }
    if (*v < p->min || *v > p->max) {
        snprintf(err, CONFIG_ERROR_MAX, "argument must be between %lld and %lld inclusive", p->min,
                 p->max);
        *why = err;
        return -EINVAL;
    }
    if (p->type == TYPE_POW2 && *v != 0 && (*v & (*v - 1)) != 0) {
        *why = "argument must be 0 or a power of two";
        return -EINVAL;
    }
    return 0;
}

/*
 * The reason a value with a NUL byte is refused: the type's own message where
 * Redis has one (a number with a NUL "couldn't be parsed into an integer",
 * as in Redis), so nothing is ever cut at the NUL and applied. NULL for an
 * enum, whose message lists the names.
 */
static const char *nul_reason(const struct param *p)
{
    switch (p->type) {
    case TYPE_INT:
    case TYPE_POW2:
        return "argument couldn't be parsed into an integer";
    case TYPE_OCTAL:
        return "argument couldn't be parsed as an octal number";
    case TYPE_MEMORY:
        return "argument must be a memory value";
    case TYPE_BOOL:
        return "argument must be 'yes' or 'no'";
    case TYPE_SAVE:
        return "Invalid save parameters";
    case TYPE_OUTPUT_LIMIT:
        return "Error in hard, soft or soft_seconds setting in buffer limit configuration.";
    case TYPE_NOTIFY:
        return "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
    case TYPE_ENUM:
        return NULL;
    default:
        return "argument must not contain a NUL byte";
    }
}

static void enum_error(const struct param *p, const char **why, char err[CONFIG_ERROR_MAX])
{
    snprintf(err, CONFIG_ERROR_MAX, "argument(s) must be one of the following: ");
    for (int i = 0; p->enum_names[i]; i++)
        snprintf(err + strlen(err), CONFIG_ERROR_MAX - strlen(err), "%s%s", i ? ", " : "",
                 p->enum_names[i]);
    *why = err;
}

/* Validates argv for parameter p; on failure *why holds the reason. */
int config__parse_value(const struct param *p, int argc, const char *const *argv,
                        const size_t *lens, struct parsed *out, const char **why,
                        char err[CONFIG_ERROR_MAX])
{
    memset(out, 0, sizeof(*out));
    bool has_nul = false;
    for (int i = 0; lens && i < argc; i++)
        has_nul |= strlen(argv[i]) != lens[i];
    /* Every value but a binary string with a NUL byte is refused rather than
     * cut short at the NUL. */
    if (has_nul && p->type == TYPE_BINARY && argc == 1) {
        out->string = mem_alloc(lens[0] + 1);
        if (!out->string)
            return -ENOMEM;
        memcpy(out->string, argv[0], lens[0] + 1);
        out->string_len = lens[0];
        return 0;
    }
    if (has_nul) {
        *why = nul_reason(p);
        if (!*why)
            enum_error(p, why, err);
        return -EINVAL;
    }
    switch (p->type) {
    case TYPE_LIST:
        if (argc > MAX_BIND) {
            *why = "Too many bind addresses specified.";
            return -EINVAL;
        }
        out->string = join_args(argc, argv);
        out->string_len = out->string ? strlen(out->string) : 0;
        return out->string ? 0 : -ENOMEM;
    case TYPE_SAVE:
        return parse_save(out, argc, argv, why);
    case TYPE_OUTPUT_LIMIT:
        return parse_output_limit(out, argc, argv, why);
    default:
        break;
    }
    if (argc != 1) {
        *why = "wrong number of arguments";
        return -EINVAL;
    }
    const char *s = argv[0];
    switch (p->type) {
    case TYPE_BOOL:
        if (strcasecmp(s, "yes") && strcasecmp(s, "no")) {
            *why = "argument must be 'yes' or 'no'";
            return -EINVAL;
        }
        out->number = strcasecmp(s, "yes") == 0;
        return 0;
    case TYPE_ENUM:
        for (int i = 0; p->enum_names[i]; i++) {
            if (strcasecmp(s, p->enum_names[i]) == 0) {
                out->number = i;
                return 0;
            }
        }
        enum_error(p, why, err);
        return -EINVAL;
    case TYPE_NOTIFY: {
        unsigned flags;
        if (!notify_flags_parse(s, strlen(s), &flags)) {
            *why = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.";
            return -EINVAL;
        }
        out->number = flags;
        return 0;
    }
    case TYPE_FILENAME:
        if (strchr(s, '/')) { /* Redis's isValidDBfilename */
            *why = "dbfilename can't be a path, just a filename";
            return -EINVAL;
        }
        out->string = mem_strdup(s);
        out->string_len = strlen(s);
        return out->string ? 0 : -ENOMEM;
    case TYPE_DIR: {
        char *abs = realpath(s, NULL);
        struct stat st;
        if (!abs || stat(abs, &st) != 0 || !S_ISDIR(st.st_mode)) {
            *why = abs ? strerror(ENOTDIR) : strerror(errno);
            free(abs);
            return -EINVAL;
        }
        out->string = mem_strdup(abs);
        free(abs);
        out->string_len = out->string ? strlen(out->string) : 0;
        return out->string ? 0 : -ENOMEM;
    }
    case TYPE_STRING:
    case TYPE_BINARY:
        out->string = mem_strdup(s);
        out->string_len = strlen(s);
        return out->string ? 0 : -ENOMEM;
    default:
        return parse_number(p, s, &out->number, why, err);
    }
}
