/*
 * ZRANGE's request as zrangeGenericCommand parses it, shared by the range
 * commands and ZRANGESTORE (store/cmd_zset_range.c). Private to store/.
 */
#ifndef MAGPIE_STORE_CMD_ZSET_RANGE_H
#define MAGPIE_STORE_CMD_ZSET_RANGE_H

#include "store/cmd_zset.h"

enum zrange_type { ZRANGE_AUTO, ZRANGE_RANK, ZRANGE_SCORE, ZRANGE_LEX };

struct zrange_req {
    enum zrange_type type;
    bool rev, withscores;
    long long offset, limit; /* LIMIT; limit -1: none */
    long long start, end;    /* by rank */
    struct zset_score_range score;
    struct zset_lex_range lex; /* points into argv */
};

/* Parses argv[first] (the key), its two range arguments and the options
 * after them. `type` and `rev` come fixed by the older commands (ZRANGE:
 * ZRANGE_AUTO, false). False after replying the error. */
bool zrange_parse(struct cmd_ctx *c, int first, bool store, enum zrange_type type, bool rev,
                  struct zrange_req *q);
/* What a request selects in v: `count` elements from `rank` (ascending
 * rank), walking downwards when q->rev. */
void zrange_select(const struct value *v, const struct zrange_req *q, uint64_t *rank,
                   uint64_t *count);

#endif
