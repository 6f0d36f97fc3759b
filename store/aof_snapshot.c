/*
 * The append-only file's base in commands (store/aof_snapshot.h): the
 * commands that rebuild one entry, for the copy-before-write snapshot
 * (store/rdb_snapshot.c). Aggregates go out in commands of at most
 * ITEMS_PER_COMMAND items, as Redis's rewrite batches them.
 */
#include "store/aof_snapshot.h"
#include "store/aof_format.h"

#include "core/alloc.h"
#include "store/entry.h"
#include "store/hash_value.h"
#include "store/keyspace_impl.h"
#include "store/list.h"
#include "store/multilock.h"
#include "store/quicklist.h"
#include "store/set_value.h"
#include "store/zset_value.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ITEMS_PER_COMMAND 64

/* One entry's commands being built (on the stack of whichever thread
 * saves the entry: several may at once, for different shards). */
struct walk {
    struct aof_buf out;
    int err;
    /* The command being built: name, key, then items. */
    struct resp_arg args[ITEMS_PER_COMMAND * 2 + 2];
    int argc;
};

static void emit(struct walk *w, int argc, const struct resp_arg *argv)
{
    aof_buf_command(&w->out, argc, argv);
}

/* Items are collected into w->args after the name and the key. */
static void begin(struct walk *w, const char *name, const struct entry *e)
{
    w->argc = 0;
    w->args[w->argc++] = (struct resp_arg){name, strlen(name), NULL};
    w->args[w->argc++] = (struct resp_arg){entry_key(e), e->key_len, NULL};
}

static void end_if_full(struct walk *w, bool force)
{
    if (w->argc > 2 && (force || w->argc - 2 >= ITEMS_PER_COMMAND)) {
        emit(w, w->argc, w->args);
        w->argc = 2;
    }
}

static void add_item(struct walk *w, const char *p, size_t len)
{
    w->args[w->argc++] = (struct resp_arg){p, len, NULL};
}

/* ---- per type ---- */

static void write_string(struct walk *w, const struct entry *e)
{
    char digits[24];
    struct value v;
    entry_value(e, &v);
    const char *p;
    size_t len;
    if (v.encoding == ENCODING_INT) {
        len = (size_t)snprintf(digits, sizeof(digits), "%" PRId64, v.p.num);
        p = digits;
    } else {
        p = v.p.str->data;
        len = v.p.str->len;
    }
    begin(w, "SET", e);
    add_item(w, p, len);
    emit(w, w->argc, w->args);
}

static void write_list(struct walk *w, const struct entry *e)
{
    struct quicklist_iter it;
    quicklist_iter_init(&it, entry_list(e), 0, QUICKLIST_FORWARD);
    char digits[ITEMS_PER_COMMAND][24];
    struct listpack_value lv;
    int rc;
    begin(w, "RPUSH", e);
    while ((rc = quicklist_iter_next(&it, &lv)) == 1) {
        if (lv.str) {
            add_item(w, (const char *)lv.str, lv.len);
        } else {
            char *d = digits[w->argc - 2];
            add_item(w, d, (size_t)snprintf(d, 24, "%lld", lv.integer));
        }
        end_if_full(w, false);
    }
    end_if_full(w, true);
    quicklist_iter_release(&it);
    if (rc < 0 && !w->err)
        w->err = rc;
}

struct set_walk {
    struct walk *w;
    char digits[ITEMS_PER_COMMAND][24];
};

static bool visit_member(void *ctx, const struct set_member_ref *m)
{
    struct set_walk *sw = ctx;
    struct walk *w = sw->w;
    size_t len;
    const char *p = set_member_bytes(m, sw->digits[w->argc - 2], &len);
    add_item(w, p, len);
    end_if_full(w, false);
    return true;
}

static void write_set(struct walk *w, const struct entry *e)
{
    struct set_walk sw = {.w = w};
    struct value v;
    entry_value(e, &v);
    begin(w, "SADD", e);
    set_foreach(&v, visit_member, &sw);
    end_if_full(w, true);
}

/* A hash's field/value bytes may live in their hash_bytes (integers), which
 * hash_foreach reuses: they are copied into the command's own store. */
struct hash_walk {
    struct walk *w;
    struct aof_buf copies; /* offsets into it, fixed up at emit */
    size_t offsets[ITEMS_PER_COMMAND * 2 + 2];
};

static void hash_emit(struct hash_walk *hw)
{
    struct walk *w = hw->w;
    if (w->argc <= 2)
        return;
    if (hw->copies.oom) {
        if (!w->err)
            w->err = -ENOMEM;
    } else {
        for (int i = 2; i < w->argc; i++)
            w->args[i].ptr = hw->copies.data + hw->offsets[i];
        emit(w, w->argc, w->args);
    }
    w->argc = 2;
    hw->copies.len = 0;
}

static void visit_field(void *ctx, const struct hash_bytes *field, const struct hash_bytes *value)
{
    struct hash_walk *hw = ctx;
    struct walk *w = hw->w;
    const struct hash_bytes *both[2] = {field, value};
    for (int i = 0; i < 2; i++) {
        hw->offsets[w->argc] = hw->copies.len;
        aof_buf_append(&hw->copies, both[i]->ptr, both[i]->len);
        add_item(w, NULL, both[i]->len);
    }
    if (w->argc - 2 >= ITEMS_PER_COMMAND * 2)
        hash_emit(hw);
}

static void write_hash(struct walk *w, const struct entry *e)
{
    struct hash_walk hw = {.w = w};
    struct value v;
    entry_value(e, &v);
    begin(w, "HMSET", e);
    hash_foreach(&v, visit_field, &hw);
    hash_emit(&hw);
    aof_buf_free(&hw.copies);
}

/* ZADD key score member ..., lowest score first. An element's member may
 * live in its own zset_elem (a listpack integer), so each pair of items
 * keeps its element until the command is emitted. */
static void write_zset(struct walk *w, const struct entry *e)
{
    struct zset_elem elems[ITEMS_PER_COMMAND / 2];
    char scores[ITEMS_PER_COMMAND / 2][32];
    struct value v;
    entry_value(e, &v);
    struct zset_iter it;
    zset_iter_init(&it, &v, 0, false);
    begin(w, "ZADD", e);
    for (int n = 0; zset_iter_next(&it, &elems[n]); n = (w->argc - 2) / 2) {
        int len = zset_format_score(scores[n], elems[n].score);
        add_item(w, scores[n], (size_t)len);
        add_item(w, elems[n].ptr, elems[n].len);
        end_if_full(w, false);
    }
    end_if_full(w, true);
}

static void write_ttl(struct walk *w, const struct entry *e, int64_t at)
{
    char digits[24];
    begin(w, "PEXPIREAT", e);
    add_item(w, digits, (size_t)snprintf(digits, sizeof(digits), "%" PRId64, at));
    emit(w, w->argc, w->args);
}

/* The commands for entry e, or -ENOTSUP for a type they cannot express. */
static int write_entry(struct walk *w, const struct entry *e, int64_t when)
{
    switch (entry_type(e)) {
    case VALUE_STRING:
        write_string(w, e);
        break;
    case VALUE_LIST:
        write_list(w, e);
        break;
    case VALUE_SET:
        write_set(w, e);
        break;
    case VALUE_HASH:
        write_hash(w, e);
        break;
    case VALUE_ZSET:
        write_zset(w, e);
        break;
    default:
        return -ENOTSUP;
    }
    if (when != ENTRY_NO_TTL)
        write_ttl(w, e, when);
    return w->err ? w->err : w->out.oom ? -ENOMEM : 0;
}

static void aof_entry(const struct snapshot_format *f, struct rdb_writer *out,
                      const struct entry *e, int64_t when)
{
    struct aof_snapshot_format *af = (struct aof_snapshot_format *)(void *)f;
    struct walk w = {0};
    int rc = write_entry(&w, e, when);
    if (rc == 0) {
        rdb_write_bytes(out, w.out.data, w.out.len);
    } else if (!out->error) {
        out->error = rc;
        if (rc == -ENOTSUP) {
            pthread_mutex_lock(&af->lock);
            if (!af->bad_key[0] && af->bad_size)
                snprintf(af->bad_key, af->bad_size, "%.*s", (int)e->key_len, entry_key(e));
            pthread_mutex_unlock(&af->lock);
        }
    }
    aof_buf_free(&w.out);
}

static void aof_select_db(const struct snapshot_format *f, struct rdb_writer *file,
                          struct keyspace *ks, int db, bool first)
{
    (void)f;
    (void)ks;
    (void)first;
    char digits[16];
    struct resp_arg select[2] = {{"SELECT", 6, NULL}, {digits, 0, NULL}};
    select[1].len = (size_t)snprintf(digits, sizeof(digits), "%d", db);
    struct aof_buf b = {0};
    aof_buf_command(&b, 2, select);
    if (b.oom && !file->error)
        file->error = -ENOMEM;
    else
        rdb_write_bytes(file, b.data, b.len);
    aof_buf_free(&b);
}

void aof_snapshot_format_init(struct aof_snapshot_format *f, char *bad_key, size_t size)
{
    f->format = (struct snapshot_format){aof_entry, aof_select_db};
    pthread_mutex_init(&f->lock, NULL);
    f->bad_key = bad_key;
    f->bad_size = size;
    if (size)
        bad_key[0] = '\0';
}

void aof_snapshot_format_destroy(struct aof_snapshot_format *f)
{
    pthread_mutex_destroy(&f->lock);
}

static int add_every_shard(struct shard_set *set, struct keyspace *ks)
{
    for (uint32_t i = 0; i < ks->total_shards; i++)
        if (shard_set_add(set, i) != 0)
            return -ENOMEM;
    return 0;
}

int aof_snapshot_cut(struct keyspace *ks, aof_cut_fn cut, void *ctx)
{
    uint64_t *seqs = mem_alloc(ks->total_shards * sizeof(*seqs));
    struct shard_set set;
    shard_set_init(&set, ks);
    int rc = seqs ? add_every_shard(&set, ks) : -ENOMEM;
    if (rc == 0) {
        SHARD_SET_GUARD (&set) {
            for (uint32_t i = 0; i < ks->total_shards; i++) {
                struct shard *s = keyspace_shard(ks, i);
                shard_assume_held(s);
                seqs[i] = s->write_seq;
            }
            cut(ctx, seqs, ks->total_shards);
        }
    }
    shard_set_free(&set);
    mem_free(seqs);
    return rc;
}
