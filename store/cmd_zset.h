/*
 * What the sorted-set commands (store/cmd_zset*.c) share: finding a sorted
 * set under its shard lock, storing a changed one back, deleting one a
 * command emptied, Redis's range arguments, replying elements, and the
 * command functions themselves. Private to store/.
 */
#ifndef MAGPIE_STORE_CMD_ZSET_H
#define MAGPIE_STORE_CMD_ZSET_H

#include "store/cmd_util.h"
#include "store/zset_value.h"

#define ERR_ZSET_NAN       "ERR resulting score is not a number (NaN)"
#define ERR_ZSET_MINMAX    "ERR min or max is not a float"
#define ERR_ZSET_LEX_RANGE "ERR min or max not valid string range item"

/* The sorted set at k (NULL when missing); *result becomes
 * CMD_ERR_WRONGTYPE when the key holds something else. */
struct entry *do_zset_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                             enum cmd_result *result) REQUIRES(&s->lock);
/* Stores v back into its entry after a change that may have moved it (not
 * announced: the caller announces its event). */
void do_zset_store(struct shard *s, struct entry *e, const struct value *v) REQUIRES(&s->lock);
/* Deletes the key e when a command emptied its sorted set ("del"). */
void do_zset_delete_if_empty(struct shard *s, const struct key *k, struct entry *e)
    REQUIRES(&s->lock);

/* Stores v (ownership passes) under dst, replacing whatever it held and
 * its TTL, announced as `event`; an empty v deletes dst ("del" when it
 * existed). dst's shard lock is held. */
enum cmd_result do_zset_store_result(struct cmd_ctx *c, const struct key *dst, struct value *v,
                                     const char *event);

/* zslParseRange / zslParseLexRange on two arguments. */
bool zset_parse_score_range(const struct resp_arg *min, const struct resp_arg *max,
                            struct zset_score_range *out);
bool zset_parse_lex_range(const struct resp_arg *min, const struct resp_arg *max,
                          struct zset_lex_range *out);

/* Replies count elements from an iterator: members alone, or with scores
 * (RESP2 flat, RESP3 [member, score] pairs). */
void reply_zset_elems(struct reply *r, struct zset_iter *it, uint64_t count, bool withscores);
/* This thread's random state (ZRANDMEMBER). */
uint64_t *zset_rng(void);

void zadd_command(struct cmd_ctx *c);
void zincrby_command(struct cmd_ctx *c);
void zscore_command(struct cmd_ctx *c);
void zmscore_command(struct cmd_ctx *c);
void zcard_command(struct cmd_ctx *c);
void zrange_command(struct cmd_ctx *c);
void zrangebyscore_command(struct cmd_ctx *c);
void zrevrangebyscore_command(struct cmd_ctx *c);
void zrangebylex_command(struct cmd_ctx *c);
void zrevrangebylex_command(struct cmd_ctx *c);
void zrevrange_command(struct cmd_ctx *c);
void zscan_command(struct cmd_ctx *c);
void zrandmember_command(struct cmd_ctx *c);
void zrangestore_command(struct cmd_ctx *c);
void zunion_command(struct cmd_ctx *c);
void zinter_command(struct cmd_ctx *c);
void zdiff_command(struct cmd_ctx *c);
void zintercard_command(struct cmd_ctx *c);
void zunionstore_command(struct cmd_ctx *c);
void zinterstore_command(struct cmd_ctx *c);
void zdiffstore_command(struct cmd_ctx *c);
void zrem_command(struct cmd_ctx *c);
void zremrangebyrank_command(struct cmd_ctx *c);
void zremrangebyscore_command(struct cmd_ctx *c);
void zremrangebylex_command(struct cmd_ctx *c);
void zcount_command(struct cmd_ctx *c);
void zlexcount_command(struct cmd_ctx *c);
void zrank_command(struct cmd_ctx *c);
void zrevrank_command(struct cmd_ctx *c);
void zpopmin_command(struct cmd_ctx *c);
void zpopmax_command(struct cmd_ctx *c);
void zmpop_command(struct cmd_ctx *c);
void bzpopmin_command(struct cmd_ctx *c);
void bzpopmax_command(struct cmd_ctx *c);
void bzmpop_command(struct cmd_ctx *c);

#endif
