/*
 * Time. Expiry uses wall-clock milliseconds (Redis semantics: EXPIREAT is a
 * Unix time); intervals and timeouts use the monotonic clock.
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

#ifdef __cplusplus
}
#endif
#endif
