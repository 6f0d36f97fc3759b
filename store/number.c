#include "store/number.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

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
