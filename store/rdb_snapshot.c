/*
 * Point-in-time snapshots without fork, by copy-before-write at shard
 * granularity. Starting a snapshot bumps the keyspace's snapshot number
 * (ks->snap_epoch). From then on, whoever takes a shard's lock first (a
 * writer about to change it, a reader, or the snapshot's own walk) finds
 * the shard not saved for that number and serializes all of its keys, under
 * the lock and before any change (do_snapshot_shard, called by the guards
 * and shard_set_lock). Every shard is thus saved as it was when the number
 * changed: one point in time across the keyspace. A command that holds
 * several locks checks only when it holds them all, so a transaction is in
 * the snapshot whole or not at all.
 *
 * The serialized shards queue here until the walk writes them to the file
 * (outside every shard lock), so extra memory is what writers saved ahead
 * of the walk, never the dataset. The cost: the first lock taken on a shard
 * during a snapshot serializes the whole shard (a latency spike of one
 * shard's size for that command, not bounded slices).
 */
#include "store/rdb_format.h"

#include "core/alloc.h"
#include "store/entry.h"
#include "store/keyspace_impl.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#define SLOT_WAIT_US 1000 /* polling for another snapshot to end */

struct snap_chunk {
    struct snap_chunk *next;
    int db;
    unsigned char *data;
    size_t len;
};

struct rdb_snapshot {
    pthread_mutex_t lock;
    struct snap_chunk *head, *tail; /* under lock */
    size_t queued, peak;            /* bytes queued; the most ever (under lock) */
    int error;                      /* under lock */
    bool compress;
    int64_t now_ms;
    uint64_t epoch;
    const struct rdb_snapshot_hooks *hooks; /* NULL: none */
};

struct walk {
    struct rdb_writer *out;
    int64_t now_ms;
};

static void write_entry(void *ctx, struct table_node *n)
{
    struct walk *walk = ctx;
    struct entry *e = entry_of(n);
    int64_t when = entry_expire_at(e);
    if (expire_passed(when, walk->now_ms))
        return;
    struct value v;
    entry_value(e, &v);
    rdb_write_key(walk->out, entry_key(e), e->key_len, &v, when);
}

void do_snapshot_shard(struct shard *s)
{
    uint64_t epoch = atomic_load_explicit(s->snap_epoch, memory_order_acquire);
    struct rdb_snapshot *snap = __atomic_load_n(&s->ks->snapshot, __ATOMIC_ACQUIRE);
    /* A snapshot that ended (or this shard already saved): nothing to do but
     * remember the number. */
    if (s->snap_saved == epoch)
        return;
    if (!snap || snap->epoch != epoch) {
        s->snap_saved = epoch;
        return;
    }
    struct rdb_writer mem;
    rdb_writer_init(&mem, NULL, NULL, snap->compress);
    mem.no_crc = true; /* summed once, when the walk copies it into the file */
    struct walk walk = {&mem, snap->now_ms};
    table_foreach(&s->table, write_entry, &walk);
    s->snap_saved = epoch;
    if (snap->hooks && snap->hooks->shard_saved)
        snap->hooks->shard_saved(snap->hooks->ctx, s->id, s->write_seq);
    struct snap_chunk *c = mem.error || !mem.used ? NULL : mem_alloc(sizeof(*c));
    pthread_mutex_lock(&snap->lock);
    if (c) {
        *c = (struct snap_chunk){NULL, s->db, mem.mem, mem.used};
        mem.mem = NULL;
        if (snap->tail)
            snap->tail->next = c;
        else
            snap->head = c;
        snap->tail = c;
        snap->queued += c->len;
        if (snap->queued > snap->peak)
            snap->peak = snap->queued;
    } else if (mem.error || mem.used) {
        snap->error = mem.error ? mem.error : -ENOMEM;
    }
    pthread_mutex_unlock(&snap->lock);
    rdb_writer_release(&mem);
}

/* Writes what the shards queued, each behind SELECTDB when its database
 * differs from the last one written (RESIZEDB once per database). */
static void drain(struct rdb_snapshot *snap, struct keyspace *ks, struct rdb_writer *w, int *db,
                  bool *sized)
{
    pthread_mutex_lock(&snap->lock);
    struct snap_chunk *c = snap->head;
    snap->head = snap->tail = NULL;
    pthread_mutex_unlock(&snap->lock);
    while (c) {
        if (c->db != *db) {
            unsigned char op = RDB_OPCODE_SELECTDB;
            rdb_write_bytes(w, &op, 1);
            rdb_write_len(w, (uint64_t)c->db);
            *db = c->db;
            if (!sized[c->db]) {
                struct keyspace_db_stats st;
                keyspace_db_stats(ks, c->db, &st);
                op = RDB_OPCODE_RESIZEDB;
                rdb_write_bytes(w, &op, 1);
                rdb_write_len(w, st.keys);
                rdb_write_len(w, st.expires);
                sized[c->db] = true;
            }
        }
        rdb_write_bytes(w, c->data, c->len);
        struct snap_chunk *next = c->next;
        pthread_mutex_lock(&snap->lock);
        snap->queued -= c->len;
        pthread_mutex_unlock(&snap->lock);
        mem_free(c->data);
        mem_free(c);
        c = next;
    }
}

int rdb_snapshot_write(struct keyspace *ks, struct rdb_writer *w, int64_t now_ms,
                       size_t *peak_queued, const struct rdb_snapshot_hooks *hooks)
{
    struct rdb_snapshot snap = {.compress = w->compress, .now_ms = now_ms, .hooks = hooks};
    bool *sized = mem_calloc((size_t)ks->databases, sizeof(bool));
    if (!sized)
        return -ENOMEM;
    pthread_mutex_init(&snap.lock, NULL);
    /* One snapshot at a time (a BGSAVE and an AOF rewrite take turns): the
     * second waits. The caller holds no shard lock, and the first needs
     * nothing from it to finish. */
    struct rdb_snapshot *none = NULL;
    while (!__atomic_compare_exchange_n(&ks->snapshot, &none, &snap, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
        none = NULL;
        usleep(SLOT_WAIT_US);
    }
    if (hooks && hooks->started)
        hooks->started(hooks->ctx);
    snap.epoch = atomic_load_explicit(&ks->snap_epoch, memory_order_relaxed) + 1;
    /* The point in time: release pairs with shard_snapshot_check's acquire,
     * so whoever sees the number sees ks->snapshot. */
    atomic_store_explicit(&ks->snap_epoch, snap.epoch, memory_order_release);
    int db = -1;
    for (uint32_t i = 0; i < ks->total_shards && !w->error; i++) {
        struct shard *s = keyspace_shard(ks, i);
        SHARD_GUARD (s) {
            do_snapshot_shard(s); /* taking the lock saved it, if nobody had */
        }
        drain(&snap, ks, w, &db, sized);
    }
    /* Every shard is saved now (the walk took every lock): nobody reads
     * ks->snapshot for this number any more. */
    if (w->error) { /* stopped early: save the rest so none waits on us */
        for (uint32_t i = 0; i < ks->total_shards; i++) {
            struct shard *s = keyspace_shard(ks, i);
            SHARD_GUARD (s) {
                (void)s;
            }
        }
    }
    drain(&snap, ks, w, &db, sized);
    __atomic_store_n(&ks->snapshot, NULL, __ATOMIC_RELEASE);
    if (peak_queued)
        *peak_queued = snap.peak;
    if (snap.error && !w->error)
        w->error = snap.error;
    pthread_mutex_destroy(&snap.lock);
    mem_free(sized);
    return w->error;
}
