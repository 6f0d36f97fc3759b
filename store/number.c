#include "store/number.h"

#include "core/strconv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool number_parse_ll(const char *s, size_t len, long long *out)
{
    return strconv_parse_ll(s, len, out);
}

bool number_parse_ld(const char *s, size_t len, long double *out)
{
    char buf[NUMBER_LD_MAX_CHARS];
    if (len == 0 || len >= sizeof(buf))
        return false;
    /* strtold wants a C string; it must consume all of it (so an embedded
     * NUL makes the number invalid, as in Redis). */
    memcpy(buf, s, len);
    buf[len] = '\0';
    char *end;
    errno = 0;
    long double v = strtold(buf, &end);
    if (isspace((unsigned char)buf[0]) || (size_t)(end - buf) != len)
        return false;
    if (errno == ERANGE && (v == HUGE_VALL || v == -HUGE_VALL || fpclassify(v) == FP_ZERO))
        return false;
    if (isnan(v))
        return false;
    *out = v;
    return true;
}

int number_format_ll(char *buf, long long v)
{
    char tmp[NUMBER_LL_BUF];
    /* Work on the magnitude as unsigned so INT64_MIN needs no special case. */
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
    int n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    int len = 0;
    if (v < 0)
        buf[len++] = '-';
    while (n)
        buf[len++] = tmp[--n];
    buf[len] = '\0';
    return len;
}

int number_ll_len(long long v)
{
    char buf[NUMBER_LL_BUF];
    return number_format_ll(buf, v);
}
