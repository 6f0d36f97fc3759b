#include "core/strconv.h"

#include <limits.h>
#include <stdint.h>

bool strconv_parse_ll(const char *s, size_t len, long long *out)
{
    if (len == 0 || len > 20)
        return false;
    if (len == 1 && s[0] == '0') {
        *out = 0;
        return true;
    }
    size_t i = 0;
    bool negative = s[0] == '-';
    if (negative && ++i == len)
        return false;
    if (s[i] < '1' || s[i] > '9')
        return false;
    unsigned long long v = 0;
    for (; i < len; i++) {
        unsigned digit = (unsigned)(unsigned char)s[i] - '0';
        if (digit > 9 || v > (ULLONG_MAX - digit) / 10)
            return false;
        v = v * 10 + digit;
    }
    if (negative) {
        if (v > (unsigned long long)LLONG_MAX + 1)
            return false;
        *out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
    } else {
        if (v > (unsigned long long)LLONG_MAX)
            return false;
        *out = (long long)v;
    }
    return true;
}

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

/* Two digits per division, from the end. */
static size_t format_u64(char *buf, uint64_t v)
{
    size_t len = count_digits(v);
    char *p = buf + len;
    *p = '\0';
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

/* The magnitude in unsigned arithmetic: -LLONG_MIN does not fit a long long. */
static uint64_t magnitude(long long v)
{
    return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

size_t strconv_format_ll(char *buf, long long v)
{
    if (v >= 0)
        return format_u64(buf, (uint64_t)v);
    buf[0] = '-';
    return 1 + format_u64(buf + 1, magnitude(v));
}

size_t strconv_ll_len(long long v)
{
    return (v < 0) + count_digits(magnitude(v));
}
