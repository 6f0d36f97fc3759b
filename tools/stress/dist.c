#include "tools/stress/dist.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_param(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end != '\0' || !isfinite(v))
        return -EINVAL;
    *out = v;
    return 0;
}

int keydist_parse(const char *text, struct keydist_spec *out)
{
    if (strcmp(text, "uniform") == 0) {
        *out = (struct keydist_spec){KEYDIST_UNIFORM, 0};
        return 0;
    }
    if (strcmp(text, "hot") == 0) {
        *out = (struct keydist_spec){KEYDIST_HOT, 0.9};
        return 0;
    }
    double v;
    if (strncmp(text, "zipf:", 5) == 0) {
        if (parse_param(text + 5, &v) < 0 || v <= 0 || v > 10)
            return -EINVAL;
        *out = (struct keydist_spec){KEYDIST_ZIPF, v};
        return 0;
    }
    if (strncmp(text, "hot:", 4) == 0) {
        if (parse_param(text + 4, &v) < 0 || v < 0 || v > 1)
            return -EINVAL;
        *out = (struct keydist_spec){KEYDIST_HOT, v};
        return 0;
    }
    return -EINVAL;
}

const char *keydist_format(const struct keydist_spec *spec, char *out, size_t size)
{
    switch (spec->kind) {
    case KEYDIST_UNIFORM:
        snprintf(out, size, "uniform");
        break;
    case KEYDIST_ZIPF:
        snprintf(out, size, "zipf:%g", spec->param);
        break;
    case KEYDIST_HOT:
        snprintf(out, size, "hot:%g", spec->param);
        break;
    }
    return out;
}

/*
 * Zipf sampling by rejection-inversion (Hörmann and Derflinger, 1996): draw
 * from the continuous density h(x) = x^-s by inverting its integral H, round
 * to the nearest integer k, and accept k when the draw falls inside the part
 * of the area that belongs to k's probability mass. Constant time and memory
 * per draw for any number of keys, unlike a cumulative table. Ranks here are
 * 1-based; keydist_next returns rank - 1.
 *
 * (e^t - 1) / t and log(1 + t) / t are computed through expm1 and log1p so
 * that s close to 1, where the closed forms divide by 1 - s, stays exact.
 */
static double expm1_over(double t)
{
    return fabs(t) > 1e-8 ? expm1(t) / t : 1.0 + t / 2.0;
}

static double log1p_over(double t)
{
    return fabs(t) > 1e-8 ? log1p(t) / t : 1.0 - t / 2.0;
}

static double zipf_h(double s, double x)
{
    return exp(-s * log(x));
}

/* H(x) = (x^(1-s) - 1) / (1 - s), or log(x) when s = 1. */
static double zipf_big_h(double s, double x)
{
    double log_x = log(x);
    return expm1_over((1.0 - s) * log_x) * log_x;
}

static double zipf_big_h_inverse(double s, double y)
{
    double t = y * (1.0 - s);
    if (t < -1.0)
        t = -1.0; /* rounding at the far end of the range; log1p(-1) = -inf */
    return exp(log1p_over(t) * y);
}

int keydist_init(struct keydist *d, const struct keydist_spec *spec, uint64_t keys)
{
    if (keys == 0)
        return -EINVAL;
    memset(d, 0, sizeof(*d));
    d->spec = *spec;
    d->keys = keys;
    if (spec->kind == KEYDIST_ZIPF) {
        double s = spec->param;
        if (!(s > 0))
            return -EINVAL;
        d->zipf_h_first = zipf_big_h(s, 1.5) - 1.0;
        d->zipf_h_last = zipf_big_h(s, (double)keys + 0.5);
        d->zipf_accept = 2.0 - zipf_big_h_inverse(s, zipf_big_h(s, 2.5) - zipf_h(s, 2.0));
    } else if (spec->kind == KEYDIST_HOT) {
        if (spec->param < 0 || spec->param > 1)
            return -EINVAL;
    }
    return 0;
}

static uint64_t zipf_next(const struct keydist *d, struct rng *r)
{
    double s = d->spec.param;
    for (;;) {
        double u = d->zipf_h_last + rng_unit(r) * (d->zipf_h_first - d->zipf_h_last);
        double x = zipf_big_h_inverse(s, u);
        double k = floor(x + 0.5);
        if (k < 1)
            k = 1;
        else if (k > (double)d->keys)
            k = (double)d->keys;
        if (k - x <= d->zipf_accept || u >= zipf_big_h(s, k + 0.5) - zipf_h(s, k))
            return (uint64_t)k - 1;
    }
}

uint64_t keydist_next(const struct keydist *d, struct rng *r)
{
    switch (d->spec.kind) {
    case KEYDIST_UNIFORM:
        return rng_below(r, d->keys);
    case KEYDIST_ZIPF:
        return zipf_next(d, r);
    case KEYDIST_HOT:
        if (d->keys == 1 || rng_unit(r) < d->spec.param)
            return 0;
        return 1 + rng_below(r, d->keys - 1);
    }
    abort();
}

double keydist_probability(const struct keydist *d, uint64_t i)
{
    if (i >= d->keys)
        return 0;
    switch (d->spec.kind) {
    case KEYDIST_UNIFORM:
        return 1.0 / (double)d->keys;
    case KEYDIST_HOT:
        if (d->keys == 1)
            return 1.0;
        return i == 0 ? d->spec.param : (1.0 - d->spec.param) / (double)(d->keys - 1);
    case KEYDIST_ZIPF: {
        double norm = 0;
        for (uint64_t k = 1; k <= d->keys; k++)
            norm += pow((double)k, -d->spec.param);
        return pow((double)(i + 1), -d->spec.param) / norm;
    }
    }
    abort();
}
