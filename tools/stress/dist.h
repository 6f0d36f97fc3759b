/*
 * Key distributions: which of `keys` keys the next operation touches.
 *
 *   uniform     every key equally likely
 *   zipf:S      key i (0-based) with probability proportional to 1/(i+1)^S,
 *               S > 0; key 0 is the most popular (zipf:0.99 is YCSB's skew)
 *   hot:P       key 0 with probability P, otherwise one of the other keys
 *               uniformly ("hot" alone means hot:0.9)
 *
 * A distribution is immutable after keydist_init and may be shared by
 * threads; each thread draws with its own struct rng.
 */
#ifndef MAGPIE_STRESS_DIST_H
#define MAGPIE_STRESS_DIST_H

#include "tools/stress/rng.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum keydist_kind { KEYDIST_UNIFORM, KEYDIST_ZIPF, KEYDIST_HOT };

struct keydist_spec {
    enum keydist_kind kind;
    double param; /* zipf exponent, or the hot key's share */
};

struct keydist {
    struct keydist_spec spec;
    uint64_t keys;
    /* Zipf, by rejection-inversion: constants computed once. */
    double zipf_h_first; /* H(1.5) - 1 */
    double zipf_h_last;  /* H(keys + 0.5) */
    double zipf_accept;  /* accept without the exact test when k - x <= this */
};

/* Parses "uniform", "zipf:0.99", "hot:0.9" or "hot"; returns 0 or -EINVAL. */
int keydist_parse(const char *text, struct keydist_spec *out);
/* Writes the canonical text of a spec ("zipf:0.99"); returns out. */
const char *keydist_format(const struct keydist_spec *spec, char *out, size_t size);

/* keys >= 1. Returns 0 or -EINVAL. */
int keydist_init(struct keydist *d, const struct keydist_spec *spec, uint64_t keys);
/* A key index in [0, keys). */
uint64_t keydist_next(const struct keydist *d, struct rng *r);
/* The exact probability of key index i, for the tests. */
double keydist_probability(const struct keydist *d, uint64_t i);

#ifdef __cplusplus
}
#endif
#endif
