#include "core/alloc.h"

#include "core/compiler.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/*
 * Injection is armed rarely (tests only), so the hot path is one relaxed load
 * of `armed`. The countdown is atomic because allocation happens on every
 * worker thread; exact ordering between threads does not matter to a test
 * that only asks "does the failure path hold up".
 */
static atomic_bool armed;
static atomic_long countdown;
static atomic_long injected;

static bool should_fail(void)
{
    if (likely(!atomic_load_explicit(&armed, memory_order_relaxed)))
        return false;
    if (atomic_fetch_sub_explicit(&countdown, 1, memory_order_relaxed) > 0)
        return false;
    atomic_fetch_add_explicit(&injected, 1, memory_order_relaxed);
    return true;
}

void *mem_alloc(size_t size)
{
    return should_fail() ? NULL : malloc(size);
}

void *mem_calloc(size_t count, size_t size)
{
    return should_fail() ? NULL : calloc(count, size);
}

void *mem_realloc(void *ptr, size_t size)
{
    return should_fail() ? NULL : realloc(ptr, size);
}

void mem_free(void *ptr)
{
    free(ptr);
}

char *mem_strndup(const char *s, size_t len)
{
    char *copy = mem_alloc(len + 1);
    if (copy) {
        memcpy(copy, s, len);
        copy[len] = '\0';
    }
    return copy;
}

char *mem_strdup(const char *s)
{
    return mem_strndup(s, strlen(s));
}

void mem_fail_after(long n)
{
    atomic_store_explicit(&countdown, n, memory_order_relaxed);
    atomic_store_explicit(&injected, 0, memory_order_relaxed);
    atomic_store_explicit(&armed, n >= 0, memory_order_relaxed);
}

void mem_fail_reset(void)
{
    atomic_store_explicit(&armed, false, memory_order_relaxed);
}

long mem_failures_injected(void)
{
    return atomic_load_explicit(&injected, memory_order_relaxed);
}
