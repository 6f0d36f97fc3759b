/*
 * Compiler helpers shared by every layer: branch hints, container_of, cache
 * line alignment, C/C++ atomics that work in headers, and clang's thread
 * safety annotations (no-ops elsewhere). Nothing here may allocate or lock.
 */
#ifndef MAGPIE_CORE_COMPILER_H
#define MAGPIE_CORE_COMPILER_H

#include <stddef.h>

#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define CACHE_LINE        64
#define CACHE_ALIGNED     __attribute__((aligned(CACHE_LINE)))
#define MAYBE_UNUSED      __attribute__((unused))
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))

#define CONCAT_(a, b) a##b
#define CONCAT(a, b)  CONCAT_(a, b)

/*
 * Structs shared with the C++ tests declare their atomic members with
 * ATOMIC(T): C11 _Atomic in C, std::atomic in C++ (the same layout on gcc and
 * clang). Atomic operations themselves stay in .c files.
 */
#ifdef __cplusplus
#include <atomic>
#define ATOMIC(T) std::atomic<T>
#else
#include <stdatomic.h>
#define ATOMIC(T) _Atomic(T)
#endif

/* clang -Wthread-safety annotations. */
#if defined(__clang__) && !defined(__cplusplus)
#define TSA(x) __attribute__((x))
#else
#define TSA(x)
#endif
#define CAPABILITY(x)        TSA(capability(x))
#define ACQUIRE(...)         TSA(acquire_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...)     TSA(try_acquire_capability(__VA_ARGS__))
#define RELEASE(...)         TSA(release_capability(__VA_ARGS__))
#define REQUIRES(...)        TSA(requires_capability(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) TSA(assert_capability(x))
#define NO_THREAD_SAFETY     TSA(no_thread_safety_analysis)

#endif
