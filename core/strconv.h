/*
 * Integer parsing with Redis's rules (string2ll), shared by every layer that
 * reads a number from a client: the RESP reader's length lines, the store's
 * integer arguments and values, the config parser. Exactly one spelling per
 * number: an optional '-', no '+', no spaces, no leading zeros ("0" but not
 * "-0" or "007"), at most 20 characters; overflow fails.
 *
 * And the one integer formatter, the inverse (its output always parses back):
 * every reply header and integer reply goes through it, so it is written for
 * speed.
 */
#ifndef MAGPIE_CORE_STRCONV_H
#define MAGPIE_CORE_STRCONV_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Room for "-9223372036854775808" and a NUL. */
#define STRCONV_LL_BUF 21

bool strconv_parse_ll(const char *s, size_t len, long long *out);
/* Writes v's decimal digits (with '-' when negative) and a NUL at buf, which
 * holds STRCONV_LL_BUF bytes; returns the length without the NUL. */
size_t strconv_format_ll(char *buf, long long v);
/* The length strconv_format_ll would return. */
size_t strconv_ll_len(long long v);

#ifdef __cplusplus
}
#endif
#endif
