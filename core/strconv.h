/*
 * Integer parsing with Redis's rules (string2ll), shared by every layer that
 * reads a number from a client: the RESP reader's length lines, the store's
 * integer arguments and values, the config parser. Exactly one spelling per
 * number: an optional '-', no '+', no spaces, no leading zeros ("0" but not
 * "-0" or "007"), at most 20 characters; overflow fails.
 */
#ifndef MAGPIE_CORE_STRCONV_H
#define MAGPIE_CORE_STRCONV_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

bool strconv_parse_ll(const char *s, size_t len, long long *out);

#ifdef __cplusplus
}
#endif
#endif
