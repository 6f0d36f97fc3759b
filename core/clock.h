/*
 * Time. Expiry uses wall-clock milliseconds (Redis semantics: EXPIREAT is a
 * Unix time); intervals and timeouts use the monotonic clock; INFO's cpu
 * section and the idle-CPU tests use the CPU time counters.
 */
#ifndef MAGPIE_CORE_CLOCK_H
#define MAGPIE_CORE_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Unix time in milliseconds. */
int64_t clock_unix_ms(void);
/* Unix time in microseconds. */
int64_t clock_unix_us(void);
/* Monotonic nanoseconds since an arbitrary point. */
uint64_t clock_mono_ns(void);
/* Monotonic milliseconds since an arbitrary point. */
uint64_t clock_mono_ms(void);

/* CPU time used, in microseconds, split as getrusage(2) reports it. */
struct cpu_time {
    int64_t user_us;
    int64_t system_us;
};
/* By this process, all threads together. */
struct cpu_time clock_cpu_self(void);
/* By its children that have been waited for. */
struct cpu_time clock_cpu_children(void);

#ifdef __cplusplus
}
#endif
#endif
