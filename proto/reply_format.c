/*
 * Number formatting for replies: doubles the way Redis 7.0 prints them, since
 * clients and tests compare the text byte for byte. (Integers are
 * core/strconv.h's strconv_format_ll.)
 */
#include "proto/reply.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
