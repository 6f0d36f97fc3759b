/*
 * Allocation for everything the server allocates per request. The wrappers
 * return NULL on failure like malloc (callers turn that into an error reply
 * or a closed connection, never a crash) and let tests inject failures,
 * SQLite-style, so the out-of-memory paths are exercised.
 */
#ifndef MAGPIE_CORE_ALLOC_H
#define MAGPIE_CORE_ALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

void *mem_alloc(size_t size);
void *mem_calloc(size_t count, size_t size);
void *mem_realloc(void *ptr, size_t size);
void mem_free(void *ptr);
/* A NUL-terminated copy of s, or of its first len bytes (which may hold a
 * NUL), from mem_alloc; NULL when out of memory. */
char *mem_strdup(const char *s);
char *mem_strndup(const char *s, size_t len);

/*
 * Test hook: after `countdown` more successful allocations, every allocation
 * fails until mem_fail_reset(). Negative countdown disables injection.
 */
void mem_fail_after(long countdown);
void mem_fail_reset(void);
/* Number of allocations refused by injection since the last reset. */
long mem_failures_injected(void);

#ifdef __cplusplus
}
#endif
#endif
