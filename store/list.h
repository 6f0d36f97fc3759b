/*
 * The list value type: a quicklist (store/quicklist.h) in an entry's payload,
 * plugged in through value_type_ops. Mutated only under its shard lock;
 * lock-free readers never see inside it (store/value.h). Private to store/.
 */
#ifndef MAGPIE_STORE_LIST_H
#define MAGPIE_STORE_LIST_H

#include "store/cmd_util.h"
#include "store/keyspace_impl.h"
#include "store/quicklist.h"

/* Registers the list type's operations (idempotent; keyspace_new does it). */
void list_type_register(void);

/* A new empty list with the keyspace's list-max-listpack-size and
 * list-compress-depth, or NULL when out of memory. */
struct quicklist *list_new(const struct keyspace *ks);
/* The value holding a list (ownership passes with the value). */
void list_value(struct quicklist *ql, struct value *out);

static inline struct quicklist *entry_list(const struct entry *e)
{
    return (struct quicklist *)entry_payload(e).obj;
}

/* Replies one element read from a list (a string or an integer). */
void reply_list_value(struct reply *r, const struct listpack_value *v);

/* The list at k (NULL when missing); *result becomes CMD_ERR_WRONGTYPE
 * when the key holds something else. */
struct entry *do_list_lookup(struct shard *s, const struct key *k, int64_t now_ms, unsigned flags,
                             enum cmd_result *result) REQUIRES(&s->lock);
/* Deletes the list key e when a command emptied it (announced as "del"). */
void do_list_delete_if_empty(struct shard *s, const struct key *k, struct entry *e)
    REQUIRES(&s->lock);

/*
 * Pops n elements (n <= the list's length) from one end of the list e at
 * k, writing each to r as a bulk string, announces the pop ("lpop" /
 * "rpop") and deletes the key if it is left empty. Cannot fail: a failed
 * allocation stops it early, and it returns how many it popped.
 */
long do_list_pop(struct shard *s, const struct key *k, struct entry *e, enum quicklist_end end,
                 long n, struct reply *r) REQUIRES(&s->lock);

/* An element copied out of a list, for moving it to another. */
struct list_element {
    char *data;
    size_t len;
    char small[48];
};
void list_element_release(struct list_element *el);
/* Copies the element at one end of a list into *el (as text), leaving the
 * list as it is: moves copy first and pop last, so that every step that
 * can fail comes before the first change. 0, -ENOENT or -ENOMEM. */
int list_peek_end(const struct quicklist *ql, enum quicklist_end end, struct list_element *el);

/* Parses LEFT / RIGHT as Redis does (false after replying a syntax error). */
bool arg_list_end(struct cmd_ctx *c, int i, enum quicklist_end *end);
/* The blocking commands' timeout (seconds, fractional allowed) as Redis
 * reads it: false after replying its error. *ms 0 means forever. */
bool arg_block_timeout(struct cmd_ctx *c, int i, uint64_t *ms);

#endif
