/*
 * What the set commands (store/cmd_set*.c) share: finding a set under its
 * shard lock, storing a changed set back into its entry, deleting a set a
 * command emptied, and the command functions themselves. Private to store/.
 */
#ifndef MAGPIE_STORE_CMD_SET_H
#define MAGPIE_STORE_CMD_SET_H

#include "store/cmd_util.h"
#include "store/set_value.h"

/* The set at k (NULL when missing); *result becomes CMD_ERR_WRONGTYPE when
 * the key holds something else. */
struct entry *do_set_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                            enum cmd_result *result) REQUIRES(&s->lock);
/* Stores v, the entry's set after a change that may have moved or converted
 * it, back into the entry (not announced: the caller announces its event). */
void do_set_store(struct shard *s, struct entry *e, const struct value *v) REQUIRES(&s->lock);
/* Deletes the set key e when a command emptied it (announced as "del"). */
void do_set_delete_if_empty(struct shard *s, const struct key *k, struct entry *e)
    REQUIRES(&s->lock);
/* Replies one member as a bulk string. */
void reply_set_member(struct reply *r, const struct set_member_ref *m);
/* Replies every member of a set as a RESP3 set (an array in RESP2). */
void reply_set_members(struct reply *r, const struct value *v);
/* This thread's random state for SPOP / SRANDMEMBER. */
uint64_t *set_rng(void);

void sadd_command(struct cmd_ctx *c);
void srem_command(struct cmd_ctx *c);
void smembers_command(struct cmd_ctx *c);
void sismember_command(struct cmd_ctx *c);
void smismember_command(struct cmd_ctx *c);
void scard_command(struct cmd_ctx *c);
void spop_command(struct cmd_ctx *c);
void srandmember_command(struct cmd_ctx *c);
void smove_command(struct cmd_ctx *c);
void sinter_command(struct cmd_ctx *c);
void sintercard_command(struct cmd_ctx *c);
void sinterstore_command(struct cmd_ctx *c);
void sunion_command(struct cmd_ctx *c);
void sunionstore_command(struct cmd_ctx *c);
void sdiff_command(struct cmd_ctx *c);
void sdiffstore_command(struct cmd_ctx *c);
void sscan_command(struct cmd_ctx *c);

#endif
