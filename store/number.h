/*
 * Float parsing with Redis's exact rules, because they decide which replies
 * are errors: a float may be anything strtold accepts except NaN, leading
 * space or trailing garbage (string2ld). Pure functions. Integers ("007",
 * "+1", " 1" and "-0" are not integers: string2ll) are core/strconv.h's.
 */
#ifndef MAGPIE_STORE_NUMBER_H
#define MAGPIE_STORE_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Redis's MAX_LONG_DOUBLE_CHARS: longer float arguments are rejected. */
#define NUMBER_LD_MAX_CHARS (5 * 1024)

/* A long double as Redis's string2ld reads it: strtold must consume every
 * byte (no space in front, no NUL or garbage after), NaN is refused. */
bool number_parse_ld(const char *s, size_t len, long double *out);

#ifdef __cplusplus
}
#endif
#endif
