/*
 * Loading the configuration at startup, the way redis-server does it: the
 * config file's lines, then the command-line options turned into more lines
 * (`--port 7777 --bind a b` becomes `port "7777"` and `bind "a" "b"`), all
 * parsed by one loop. That is why an error in an option is reported "at line
 * N" with the option quoted, exactly as redis-server prints it.
 */
#include "net/config.h"
#include "net/config_internal.h"
#include "net/version.h"

#include "core/alloc.h"
#include "store/keyspace.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_ARGS          64
#define MAX_INCLUDE_DEPTH 16 /* a file that includes itself stops here */

static void format_error(char *err, size_t errlen, int linenum, const char *line,
                         const char *reason)
{
    snprintf(err, errlen,
             "\n*** FATAL CONFIG FILE ERROR (Magpie %s) ***\n"
             "Reading the configuration file, at line %d\n"
             ">>> '%s'\n"
             "%s\n",
             MAGPIE_VERSION, linenum, line, reason);
}

/* Trims Redis's " \t\r\n" from both ends, in place. */
static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

/* Applies one line; on failure writes the reason into reason[]. */
static int load_line(struct config *c, char *line, char reason[CONFIG_ERROR_MAX])
{
    char **argv;
    size_t *lens = NULL;
    int argc = config_split_args(line, &argv, &lens);
    if (argc < 0) {
        snprintf(reason, CONFIG_ERROR_MAX, "%s",
                 argc == -ENOMEM ? "out of memory" : "Unbalanced quotes in configuration line");
        return -EINVAL;
    }
    int rc = 0;
    if (argc > 0) {
        int id = config_lookup(argv[0], strlen(argv[0]));
        if (id < 0) {
            snprintf(reason, CONFIG_ERROR_MAX, "Bad directive or wrong number of arguments");
            rc = -EINVAL;
        } else {
            rc = config_set(c, (enum config_id)id, argc - 1, (const char *const *)argv + 1,
                            lens + 1, false, reason);
        }
    }
    config_free_args(argv, lens, argc);
    return rc;
}

/*
 * The limits that no single parameter's range can express, checked once every
 * line is in, with 64-bit arithmetic: what multiplies (databases x shards,
 * and the automatic shard count that threads choose) must fit the keyspace.
 * A configuration the server cannot run is refused here, at start-up, with a
 * message naming the parameters, never accepted to fail later.
 */
static int check_whole(struct config *c, char *err, size_t errlen)
{
    long long dbs = config_number(c, CONFIG_DATABASES);
    long long shards = config_number(c, CONFIG_SHARDS);
    struct keyspace_config kc = {
        .databases = (int)dbs,
        .shards = (int)shards,
        .workers = (int)config_number(c, CONFIG_THREADS),
    };
    if (keyspace_plan_shards(&kc) > 0)
        return 0;
    char reason[CONFIG_ERROR_MAX];
    if (dbs > KEYSPACE_MAX_TOTAL_SHARDS)
        snprintf(reason, sizeof(reason),
                 "'databases %lld' is more than the %d databases the "
                 "keyspace can hold",
                 dbs, KEYSPACE_MAX_TOTAL_SHARDS);
    else
        snprintf(reason, sizeof(reason),
                 "'databases %lld' x 'shards %lld' is %llu shards, more "
                 "than the %d the keyspace can hold: lower databases or shards",
                 dbs, shards, (unsigned long long)dbs * (unsigned long long)shards,
                 KEYSPACE_MAX_TOTAL_SHARDS);
    snprintf(err, errlen, "\n*** FATAL CONFIG FILE ERROR (Magpie %s) ***\n%s\n", MAGPIE_VERSION,
             reason);
    return -EINVAL;
}

static int load_text(struct config *c, const char *text, char *err, size_t errlen, int depth);
static bool read_stream(FILE *f, char **buf, size_t *len, size_t *cap);

static int load_file(struct config *c, const char *path, char *err, size_t errlen, int depth)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "Fatal error, can't open config file '%s': %s\n", path,
                 strerror(errno));
        return -EINVAL;
    }
    char *text = NULL;
    size_t len = 0, cap = 0;
    bool ok = read_stream(f, &text, &len, &cap);
    fclose(f);
    int rc = -ENOMEM;
    if (ok)
        rc = load_text(c, text ? text : "", err, errlen, depth);
    else
        snprintf(err, errlen, "Fatal error, can't read config file '%s'\n", path);
    mem_free(text);
    return ok ? rc : -EINVAL;
}

/*
 * `include path`: the file's lines in place of this one, as redis-server
 * reads them. A pattern with glob characters includes every match in order
 * (Redis 7), none being no error; a plain path must exist.
 */
static int include_files(struct config *c, const char *pattern, char *err, size_t errlen, int depth)
{
    if (depth >= MAX_INCLUDE_DEPTH) {
        snprintf(err, errlen, "Fatal error, config files include each other too deeply ('%s')\n",
                 pattern);
        return -EINVAL;
    }
    if (!strpbrk(pattern, "*?["))
        return load_file(c, pattern, err, errlen, depth + 1);
    glob_t g;
    int grc = glob(pattern, GLOB_ERR, NULL, &g);
    if (grc == GLOB_NOMATCH)
        return 0;
    if (grc != 0) {
        snprintf(err, errlen, "Fatal error, can't open config file '%s'\n", pattern);
        return -EINVAL;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++)
        rc = load_file(c, g.gl_pathv[i], err, errlen, depth + 1);
    globfree(&g);
    return rc;
}

/* An `include` line: its one argument, else NULL (then it is an ordinary
 * line, and a wrong count is "Bad directive or wrong number of arguments"). */
static char *include_target(const char *line)
{
    char **argv;
    size_t *lens = NULL;
    int argc = config_split_args(line, &argv, &lens);
    char *target = NULL;
    if (argc == 2 && strcasecmp(argv[0], "include") == 0 && strlen(argv[1]) == lens[1])
        target = mem_strdup(argv[1]);
    if (argc >= 0)
        config_free_args(argv, lens, argc);
    return target;
}

int config_load_text(struct config *c, const char *text, char *err, size_t errlen)
{
    int rc = load_text(c, text, err, errlen, 0);
    return rc ? rc : check_whole(c, err, errlen);
}

static int load_text(struct config *c, const char *text, char *err, size_t errlen, int depth)
{
    char *copy = mem_strdup(text);
    if (!copy) {
        snprintf(err, errlen, "out of memory reading the configuration\n");
        return -ENOMEM;
    }
    int rc = 0, linenum = 0;
    char *next = copy;
    while (rc == 0 && next) {
        char *line = next;
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        linenum++;
        line = trim(line);
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *include = include_target(line);
        if (include) {
            rc = include_files(c, include, err, errlen, depth);
            mem_free(include);
            continue;
        }
        char reason[CONFIG_ERROR_MAX];
        rc = load_line(c, line, reason);
        if (rc)
            format_error(err, errlen, linenum, line, reason);
    }
    mem_free(copy);
    return rc;
}

/* Appends to a growing string; false when out of memory. */
static bool append(char **buf, size_t *len, size_t *cap, const char *s, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t ncap = (*len + n + 1) * 2;
        char *p = mem_realloc(*buf, ncap);
        if (!p)
            return false;
        *buf = p;
        *cap = ncap;
    }
    memcpy(*buf + *len, s, n);
    *len += n;
    (*buf)[*len] = '\0';
    return true;
}

static bool read_stream(FILE *f, char **buf, size_t *len, size_t *cap)
{
    char chunk[4096];
    size_t n;
    errno = 0;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        if (!append(buf, len, cap, chunk, n))
            return false;
    /* A directory reads as empty, as redis-server's fgets finds it (CONFIG
     * REWRITE then fails on it, as in Redis). */
    return !ferror(f) || errno == EISDIR;
}

int config_load_args(struct config *c, int argc, char **argv, char *err, size_t errlen)
{
    char *text = NULL;
    size_t len = 0, cap = 0;
    int rc = -ENOMEM;
    int i = 1;
    bool ok = append(&text, &len, &cap, "", 0);
    /* A first argument that is not an option names the config file ("-": stdin). */
    if (ok && argc > 1 && argv[1][0] != '-') {
        FILE *f = fopen(argv[1], "r");
        if (!f) {
            snprintf(err, errlen, "Fatal error, can't open config file '%s': %s\n", argv[1],
                     strerror(errno));
            mem_free(text);
            return -EINVAL;
        }
        ok = read_stream(f, &text, &len, &cap);
        fclose(f);
        i = 2;
    }
    bool from_stdin = false;
    for (int k = i; k < argc; k++)
        if (strcmp(argv[k], "-") == 0)
            from_stdin = true;
    if (ok && from_stdin)
        ok = read_stream(stdin, &text, &len, &cap);
    /* Options: "--name" starts a line, anything else is a value of the current one. */
    for (; ok && i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-") == 0)
            continue;
        if (a[0] == '-' && a[1] == '-' && a[2]) {
            ok = append(&text, &len, &cap, "\n", 1) &&
                 append(&text, &len, &cap, a + 2, strlen(a + 2)) &&
                 append(&text, &len, &cap, " ", 1);
        } else {
            size_t need = strlen(a) * 4 + 4;
            char *quoted = mem_alloc(need);
            ok = quoted && config__append_quoted(quoted, 0, need, a, strlen(a)) > 0 &&
                 append(&text, &len, &cap, quoted, strlen(quoted)) &&
                 append(&text, &len, &cap, " ", 1);
            mem_free(quoted);
        }
    }
    if (ok)
        rc = config_load_text(c, text, err, errlen);
    else
        snprintf(err, errlen, "out of memory reading the configuration\n");
    mem_free(text);
    return rc;
}
