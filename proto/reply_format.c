/*
 * Number formatting for replies: integers (every length header goes through
 * here, so it is written for speed) and doubles the way Redis 7.0 prints
 * them, since clients and tests compare the text byte for byte.
 */
#include "proto/format_internal.h"
#include "proto/reply.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static const char digit_pairs[201] = "00010203040506070809"
                                     "10111213141516171819"
                                     "20212223242526272829"
                                     "30313233343536373839"
                                     "40414243444546474849"
                                     "50515253545556575859"
                                     "60616263646566676869"
                                     "70717273747576777879"
                                     "80818283848586878889"
                                     "90919293949596979899";

static size_t count_digits(uint64_t v)
{
    size_t n = 1;
    for (;;) {
        if (v < 10)
            return n;
        if (v < 100)
            return n + 1;
        if (v < 1000)
            return n + 2;
        if (v < 10000)
            return n + 3;
        v /= 10000;
        n += 4;
    }
}

static size_t format_u64(char *buf, uint64_t v)
{
    size_t len = count_digits(v);
    char *p = buf + len;
    while (v >= 100) {
        unsigned pair = (unsigned)(v % 100) * 2;
        v /= 100;
        *--p = digit_pairs[pair + 1];
        *--p = digit_pairs[pair];
    }
    if (v >= 10) {
        *--p = digit_pairs[v * 2 + 1];
        *--p = digit_pairs[v * 2];
    } else {
        *--p = (char)('0' + v);
    }
    return len;
}

size_t reply__format_ll(char *buf, long long v)
{
    if (v >= 0)
        return format_u64(buf, (uint64_t)v);
    buf[0] = '-';
    /* Negate in unsigned arithmetic: -LLONG_MIN does not fit a long long. */
    return 1 + format_u64(buf + 1, 0 - (uint64_t)v);
}

int reply_format_double(char *buf, size_t size, double v)
{
    if (size == 0)
        return 0;
    int n;
    if (isinf(v)) {
        /* Spelled out as Redis does rather than trusting libc's spelling. */
        n = snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
    } else {
        n = snprintf(buf, size, "%.17g", v);
    }
    if (n < 0)
        n = 0;
    if ((size_t)n >= size)
        n = (int)size - 1;
    return n;
}

int reply_format_long_double(char *buf, size_t size, long double v)
{
    int n;
    if (isinf(v))
        n = snprintf(buf, size, "%s", v > 0 ? "inf" : "-inf");
    else
        n = snprintf(buf, size, "%.17Lf", v);
    if (n < 0 || (size_t)n >= size)
        return 0;
    if (isinf(v) || !memchr(buf, '.', (size_t)n))
        return n; /* "inf", "nan": nothing to trim */
    /* %.17Lf always prints 17 decimals; drop the zeros and a bare dot. */
    while (buf[n - 1] == '0')
        n--;
    if (buf[n - 1] == '.')
        n--;
    if (n == 2 && buf[0] == '-' && buf[1] == '0') {
        buf[0] = '0'; /* a tiny negative result rounds to "-0": say "0" */
        n = 1;
    }
    buf[n] = '\0';
    return n;
}
