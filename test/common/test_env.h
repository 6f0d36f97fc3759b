/*
 * Shared by the tests: how much work a stress test may do. Sanitizer builds
 * run 5-15x slower, so concurrency tests scale their iteration counts by
 * test_scale() to keep .ci/run within its time budget, while the plain
 * build runs the full counts the issues ask for.
 */
#ifndef MAGPIE_TEST_ENV_H
#define MAGPIE_TEST_ENV_H

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define MAGPIE_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define MAGPIE_TEST_SANITIZED 1
#endif
#endif
#ifndef MAGPIE_TEST_SANITIZED
#define MAGPIE_TEST_SANITIZED 0
#endif

/* 1 in plain builds, 0.1 under a sanitizer. */
static inline double test_scale(void)
{
    return MAGPIE_TEST_SANITIZED ? 0.1 : 1.0;
}

/* n scaled, at least `floor`. */
static inline long test_scaled(long n, long floor)
{
    long v = (long)((double)n * test_scale());
    return v < floor ? floor : v;
}

#endif
