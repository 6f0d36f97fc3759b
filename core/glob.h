/*
 * Glob-style matching with Redis's rules (stringmatchlen): `*`, `?`,
 * `[abc]`, `[^a]`, `[a-z]`, and `\` escapes, optionally case-insensitive.
 * Used by KEYS, SCAN MATCH, CONFIG GET, COMMAND LIST FILTERBY PATTERN and
 * (later) PSUBSCRIBE. Binary-safe, no allocation, and never exponential:
 * hostile patterns like "a*a*a*a*a*b" cost at most O(pattern x string).
 */
#ifndef MAGPIE_CORE_GLOB_H
#define MAGPIE_CORE_GLOB_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

bool glob_match(const char *pattern, size_t pattern_len, const char *string, size_t string_len,
                bool nocase);

#ifdef __cplusplus
}
#endif
#endif
