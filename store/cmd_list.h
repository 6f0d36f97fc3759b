/*
 * What the list command files share (cmd_list*.c): the pops and moves that
 * the blocking commands also run when there is something to take at once.
 * Private to store/.
 */
#ifndef MAGPIE_STORE_CMD_LIST_H
#define MAGPIE_STORE_CMD_LIST_H

#include "store/cmd_util.h"
#include "store/list.h"

/* LMPOP's and BLMPOP's arguments after numkeys. */
struct list_mpop {
    int first_key, nkeys;
    enum quicklist_end end;
    long long count;
};
/* Parses numkeys (at numkeys_i), the keys, LEFT|RIGHT and COUNT with
 * Redis's errors: 0, or -1 after replying one. */
int list_mpop_parse(struct cmd_ctx *c, int numkeys_i, struct list_mpop *out);
/* Under every key's lock: pops from the first non-empty list and replies
 * [key, [elements]] (*served), or leaves the reply to the caller. */
enum cmd_result do_list_mpop(struct cmd_ctx *c, struct multi_keys *mk, const struct list_mpop *m,
                             bool *served);
/* States the canonical form of a pop of n elements from k: LPOP/RPOP key
 * [n]. */
void list_rewrite_pop(struct cmd_ctx *c, enum quicklist_end end, const struct key *k, long n);

/*
 * LMOVE under both keys' locks: moves one element from an end of src to an
 * end of dst, writing it to r (if not NULL) as a bulk string; *moved false
 * when src is missing (nothing written).
 */
enum cmd_result do_list_move(struct cmd_ctx *c, const struct key *src, const struct key *dst,
                             enum quicklist_end from, enum quicklist_end to, struct reply *r,
                             bool *moved);
/* LMOVE / RPOPLPUSH with src argv[1] and dst argv[2]. */
void list_move_generic(struct cmd_ctx *c, enum quicklist_end from, enum quicklist_end to);

#endif
