/*
 * Number parsing and formatting with Redis's exact rules, because they decide
 * which replies are errors: "007", "+1", " 1" and "-0" are not integers
 * (string2ll), a float may be anything strtold accepts except NaN, leading
 * space or trailing garbage (string2ld). Pure functions.
 */
#ifndef MAGPIE_STORE_NUMBER_H
#define MAGPIE_STORE_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Longest decimal long long plus sign and NUL. */
#define NUMBER_LL_BUF       21
/* Redis's MAX_LONG_DOUBLE_CHARS: longer float arguments are rejected. */
#define NUMBER_LD_MAX_CHARS (5 * 1024)

/* Canonical decimal int64: no sign but '-', no leading zeros, at most 20 chars. */
bool number_parse_ll(const char *s, size_t len, long long *out);
/* A long double as Redis's string2ld reads it: strtold must consume every
 * byte (no space in front, no NUL or garbage after), NaN is refused. */
bool number_parse_ld(const char *s, size_t len, long double *out);
/* Decimal digits of v into buf (at least NUMBER_LL_BUF bytes); returns the length. */
int number_format_ll(char *buf, long long v);
/* Number of characters of v in decimal. */
int number_ll_len(long long v);

#ifdef __cplusplus
}
#endif
#endif
