/*
 * Shared by net/config*.c only: the parameter description, the value
 * parsers of config_value.c and the lexical helpers of config_parse.c.
 */
#ifndef MAGPIE_NET_CONFIG_INTERNAL_H
#define MAGPIE_NET_CONFIG_INTERNAL_H

#include "net/config.h"

#include <stdbool.h>
#include <stddef.h>

#define MAX_BIND 16

enum param_type {
    TYPE_INT,          /* decimal integer in [min, max] */
    TYPE_MEMORY,       /* integer with memory units in [min, max] */
    TYPE_OCTAL,        /* file mode, shown in octal */
    TYPE_POW2,         /* 0 (automatic) or a power of two in [min, max] */
    TYPE_BOOL,         /* yes | no */
    TYPE_ENUM,         /* one of enum_names */
    TYPE_STRING,       /* one string, without NUL bytes */
    TYPE_FILENAME,     /* a file name without a directory (dbfilename) */
    TYPE_DIR,          /* an existing directory, kept as an absolute path */
    TYPE_BINARY,       /* one string of any bytes, NUL included (requirepass) */
    TYPE_LIST,         /* zero or more strings, shown space-separated */
    TYPE_SAVE,         /* "" or <seconds> <changes> pairs */
    TYPE_OUTPUT_LIMIT, /* <class> <hard> <soft> <seconds> groups */
    TYPE_NOTIFY,       /* notify-keyspace-events letters, kept as the classes */
};

struct param {
    const char *name;
    enum param_type type;
    bool immutable;
    long long min, max, def;
    const char *def_string;
    const char *const *enum_names;
};

/* A value parsed and validated, not yet applied. */
struct parsed {
    long long number;
    char *string;           /* owned; string-valued types, NUL-terminated */
    size_t string_len;      /* its length (a binary string may hold NULs) */
    long long limits[3][3]; /* TYPE_OUTPUT_LIMIT */
    bool limit_given[3];
};

extern const char *const config__class_names[3];

enum param_type config__param_type(enum config_id id);

/* Validates argv for parameter p into out; on failure returns -EINVAL (or
 * -ENOMEM) with Redis's reason in *why (which may point into err). lens holds
 * the arguments' lengths (NULL: strlen of each). */
int config__parse_value(const struct param *p, int argc, const char *const *argv,
                        const size_t *lens, struct parsed *out, const char **why,
                        char err[CONFIG_ERROR_MAX]);

/* Appends s (slen bytes) in double quotes with C escapes; returns the new
 * length or 0. */
size_t config__append_quoted(char *buf, size_t len, size_t size, const char *s, size_t slen);

#endif
