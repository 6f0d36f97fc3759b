/*
 * Point-in-time snapshots without fork, by copy-before-write per entry.
 *
 * Starting a snapshot bumps the keyspace's snapshot number (ks->snap_epoch):
 * that is its point in time. Whoever takes a shard's lock first after that
 * (a writer, a reader, or the snapshot's own walk) cuts the shard
 * (do_snapshot_shard, run by the guards and shard_set_lock): in constant
 * time, the shard flips its mark. Every entry it holds then lacks the mark,
 * which means "the snapshot still needs me as I am"; entries linked from
 * then on are born with it. A command holding several locks checks only
 * once it holds them all, so a transaction is in the snapshot whole or not
 * at all.
 *
 * The walk visits each shard in slices of its table (table_scan's cursor,
 * which reaches every entry present throughout, across rehashes), under the
 * lock for one slice at a time: it serializes the entries without the mark
 * and gives them the mark. A writer about to change, expire or delete an
 * entry without the mark serializes it first (do_snapshot_save, through
 * do_entry_will_change), into the shard's pending buffer, which the walk
 * writes out when it gets there. So every entry goes into the file once, as
 * it was at the cut; extra memory is the entries that writers changed ahead
 * of the walk, and no lock is held longer than one slice (or one entry a
 * writer saves).
 *
 * The mark is the parity of the snapshot number. Each snapshot's walk marks
 * every entry of every shard before it ends (a failed one too, writing
 * nothing), so when the next one flips the parity, every entry lacks it.
 */
#include "store/rdb_format.h"

#include "core/alloc.h"
#include "store/entry.h"
#include "store/keyspace_impl.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SLOT_WAIT_US  1000 /* polling for another snapshot to end */
/* One slice: whichever limit comes first. The bytes bound the copy a slice
 * holds; the entries bound the time spent on ones saved already. */
#define SLICE_BYTES   (64u << 10)
#define SLICE_ENTRIES 512u

struct rdb_snapshot {
    struct keyspace *ks;
    bool *seen; /* the databases the file has switched to (file_out) */
    bool compress;
    const struct snapshot_format *format;
    int64_t now_ms;
    uint64_t epoch;
    const struct rdb_snapshot_hooks *hooks; /* NULL: none */
    /* Bytes writers saved ahead of the walk, and the most at once. */
    ATOMIC(size_t) queued;
    ATOMIC(size_t) peak;
    ATOMIC(int) error; /* a writer could not save an entry (-ENOMEM) */
};

static struct rdb_snapshot *running(struct keyspace *ks)
{
    return __atomic_load_n(&ks->snapshot, __ATOMIC_ACQUIRE);
}

void do_snapshot_shard(struct shard *s)
{
    uint64_t epoch = atomic_load_explicit(s->snap_epoch, memory_order_acquire);
    if (s->snap_saved == epoch)
        return;
    struct rdb_snapshot *snap = running(s->ks);
    bool mine = snap && snap->epoch == epoch;
    s->snap_saved = epoch;
    s->snap_mark = (epoch & 1) ? ENTRY_META_SNAP : 0;
    s->snap_active = mine && table_count(&s->table) > 0;
    if (mine && snap->hooks && snap->hooks->shard_saved)
        snap->hooks->shard_saved(snap->hooks->ctx, s->id, s->write_seq);
}

/* Serializes e into `out` unless it had expired at the snapshot's time. */
static void serialize(const struct rdb_snapshot *snap, struct rdb_writer *out, struct entry *e)
{
    int64_t when = entry_expire_at(e);
    if (!expire_passed(when, snap->now_ms))
        snap->format->entry(snap->format, out, e, when);
}

static void rdb_entry(const struct snapshot_format *f, struct rdb_writer *out,
                      const struct entry *e, int64_t when)
{
    (void)f;
    struct value v;
    entry_value(e, &v);
    rdb_write_key(out, entry_key(e), e->key_len, &v, when);
}

/* SELECTDB, and RESIZEDB the first time (a hint for the loader). */
static void rdb_select_db(const struct snapshot_format *f, struct rdb_writer *file,
                          struct keyspace *ks, int db, bool first)
{
    (void)f;
    unsigned char op = RDB_OPCODE_SELECTDB;
    rdb_write_bytes(file, &op, 1);
    rdb_write_len(file, (uint64_t)db);
    if (first) {
        struct keyspace_db_stats st;
        keyspace_db_stats(ks, db, &st);
        op = RDB_OPCODE_RESIZEDB;
        rdb_write_bytes(file, &op, 1);
        rdb_write_len(file, st.keys);
        rdb_write_len(file, st.expires);
    }
}

static const struct snapshot_format rdb_format = {rdb_entry, rdb_select_db};

static void count_queued(struct rdb_snapshot *snap, size_t bytes)
{
    size_t now = atomic_fetch_add_explicit(&snap->queued, bytes, memory_order_relaxed) + bytes;
    size_t peak = atomic_load_explicit(&snap->peak, memory_order_relaxed);
    while (now > peak && !atomic_compare_exchange_weak_explicit(
                             &snap->peak, &peak, now, memory_order_relaxed, memory_order_relaxed)) {
    }
}

void do_snapshot_save(struct shard *s, struct entry *e)
{
    struct rdb_snapshot *snap = running(s->ks); /* set while the shard is active */
    entry_set_snap_mark(e, s->snap_mark);
    if (!s->snap_pending) {
        s->snap_pending = mem_alloc(sizeof(*s->snap_pending));
        if (!s->snap_pending) {
            atomic_store_explicit(&snap->error, -ENOMEM, memory_order_relaxed);
            return;
        }
        rdb_writer_init(s->snap_pending, NULL, NULL, snap->compress);
        s->snap_pending->no_crc = true; /* summed when copied into the file */
    }
    size_t before = s->snap_pending->used;
    serialize(snap, s->snap_pending, e);
    if (s->snap_pending->error)
        atomic_store_explicit(&snap->error, s->snap_pending->error, memory_order_relaxed);
    count_queued(snap, s->snap_pending->used - before);
}

static void save_unmarked(void *ctx, struct table_node *n)
{
    struct shard *s = ctx;
    shard_assume_held(s);
    do_entry_will_change(s, entry_of(n));
}

void do_snapshot_save_all(struct shard *s)
{
    if (!s->snap_active)
        return;
    table_foreach(&s->table, save_unmarked, s);
    s->snap_active = false;
}

/* ---- the walk ---- */

struct slice {
    const struct rdb_snapshot *snap;
    struct rdb_writer *out;
    uint32_t mark;
    uint32_t visited;
    bool discard; /* the file failed: only mark */
};

static void walk_entry(void *ctx, struct table_node *n)
{
    struct slice *sl = ctx;
    struct entry *e = entry_of(n);
    sl->visited++;
    if (entry_snap_mark(e) == sl->mark)
        return; /* saved by a writer, born after the cut, or seen already */
    entry_set_snap_mark(e, sl->mark);
    if (!sl->discard)
        serialize(sl->snap, sl->out, e);
}

/* Where the walk writes: the format's database switch before a database
 * other than the last one written. */
struct file_out {
    struct rdb_writer *w;
    struct keyspace *ks;
    const struct snapshot_format *format;
    int db;
    bool *seen;
};

static void file_append(struct file_out *f, int db, const struct rdb_writer *bytes)
{
    if (!bytes->used || f->w->error)
        return;
    if (db != f->db) {
        f->format->select_db(f->format, f->w, f->ks, db, !f->seen[db]);
        f->db = db;
        f->seen[db] = true;
    }
    rdb_write_bytes(f->w, bytes->mem, bytes->used);
}

/* Walks one shard to its end, a slice per lock hold, writing each slice and
 * what writers saved meanwhile after letting the lock go. */
static void walk_shard(struct rdb_snapshot *snap, struct shard *s, struct file_out *f,
                       struct rdb_writer *buf)
{
    uint64_t cursor = 0;
    bool more = true;
    while (more) {
        bool discard = f->w->error != 0;
        struct rdb_writer *pending = NULL;
        buf->used = 0;
        SHARD_GUARD (s) { /* taking the lock cut the shard, if nobody had */
            pending = s->snap_pending;
            s->snap_pending = NULL;
            more = s->snap_active;
            struct slice sl = {snap, buf, s->snap_mark, 0, discard};
            while (more && sl.visited < SLICE_ENTRIES && buf->used < SLICE_BYTES) {
                cursor = table_scan(&s->table, cursor, walk_entry, &sl);
                if (cursor == 0)
                    s->snap_active = more = false;
            }
        }
        if (buf->error && !f->w->error)
            f->w->error = buf->error;
        if (pending) {
            file_append(f, s->db, pending);
            atomic_fetch_sub_explicit(&snap->queued, pending->used, memory_order_relaxed);
            rdb_writer_release(pending);
            mem_free(pending);
        }
        file_append(f, s->db, buf);
    }
}

/* MAGPIE_SNAPSHOT_HOLD_MS=n holds every walk n ms after its point in time,
 * so that a test suite run meanwhile changes entries the walk has not
 * saved: debug builds then abort at any change that skipped the
 * copy-before-write (store/write_hook.c). */
static void hold_for_tests(void)
{
    const char *ms = getenv("MAGPIE_SNAPSHOT_HOLD_MS");
    if (ms && *ms)
        usleep((useconds_t)strtoul(ms, NULL, 10) * 1000);
}

int rdb_snapshot_write(struct keyspace *ks, struct rdb_writer *w, int64_t now_ms,
                       size_t *peak_queued, const struct rdb_snapshot_hooks *hooks)
{
    return snapshot_write(ks, w, now_ms, &rdb_format, peak_queued, hooks);
}

static struct rdb_snapshot *snapshot_new(struct keyspace *ks, int64_t now_ms,
                                         const struct snapshot_format *format, bool compress,
                                         const struct rdb_snapshot_hooks *hooks)
{
    struct rdb_snapshot *snap = mem_alloc(sizeof(*snap));
    bool *seen = mem_calloc((size_t)ks->databases, sizeof(bool));
    if (!snap || !seen) {
        mem_free(snap);
        mem_free(seen);
        return NULL;
    }
    *snap = (struct rdb_snapshot){.ks = ks,
                                  .compress = compress,
                                  .format = format,
                                  .now_ms = now_ms,
                                  .hooks = hooks,
                                  .seen = seen};
    atomic_init(&snap->queued, 0);
    atomic_init(&snap->peak, 0);
    atomic_init(&snap->error, 0);
    return snap;
}

/* Takes the keyspace's one snapshot slot (a BGSAVE and an AOF rewrite take
 * turns), waiting for it or not. */
static bool claim_slot(struct rdb_snapshot *snap, bool wait)
{
    struct rdb_snapshot *none = NULL;
    while (!__atomic_compare_exchange_n(&snap->ks->snapshot, &none, snap, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
        if (!wait)
            return false;
        none = NULL;
        usleep(SLOT_WAIT_US);
    }
    return true;
}

static void take_point_in_time(struct rdb_snapshot *snap)
{
    struct keyspace *ks = snap->ks;
    const struct rdb_snapshot_hooks *hooks = snap->hooks;
    if (hooks && hooks->started)
        hooks->started(hooks->ctx);
    snap->epoch = atomic_load_explicit(&ks->snap_epoch, memory_order_relaxed) + 1;
    /* The point in time: release pairs with shard_snapshot_check's acquire,
     * so whoever sees the number sees ks->snapshot. */
    atomic_store_explicit(&ks->snap_epoch, snap->epoch, memory_order_release);
    if (hooks && hooks->point_taken)
        hooks->point_taken(hooks->ctx);
}

/* Walks every shard into w, gives the slot back and frees snap. */
static int finish(struct rdb_snapshot *snap, struct rdb_writer *w, size_t *peak_queued)
{
    struct keyspace *ks = snap->ks;
    hold_for_tests();
    struct rdb_writer buf;
    rdb_writer_init(&buf, NULL, NULL, snap->compress);
    buf.no_crc = true; /* summed when copied into the file */
    struct file_out f = {w, ks, snap->format, -1, snap->seen};
    /* Every shard, even after an error: the walk leaves every entry marked
     * for the next snapshot's parity, and no shard active. */
    for (uint32_t i = 0; i < ks->total_shards; i++) {
        int err = atomic_load_explicit(&snap->error, memory_order_relaxed);
        if (err && !w->error)
            w->error = err;
        walk_shard(snap, keyspace_shard(ks, i), &f, &buf);
    }
    /* Every shard is cut and walked (the walk took every lock): nobody reads
     * ks->snapshot for this number any more. */
    __atomic_store_n(&ks->snapshot, NULL, __ATOMIC_RELEASE);
    int err = atomic_load_explicit(&snap->error, memory_order_relaxed);
    if (err && !w->error)
        w->error = err;
    if (peak_queued)
        *peak_queued = atomic_load_explicit(&snap->peak, memory_order_relaxed);
    rdb_writer_release(&buf);
    mem_free(snap->seen);
    mem_free(snap);
    return w->error;
}

int snapshot_write(struct keyspace *ks, struct rdb_writer *w, int64_t now_ms,
                   const struct snapshot_format *format, size_t *peak_queued,
                   const struct rdb_snapshot_hooks *hooks)
{
    struct rdb_snapshot *snap = snapshot_new(ks, now_ms, format, w->compress, hooks);
    if (!snap)
        return -ENOMEM;
    /* The caller holds no shard lock, and a snapshot running needs nothing
     * from it to finish. */
    claim_slot(snap, true);
    take_point_in_time(snap);
    return finish(snap, w, peak_queued);
}

struct rdb_snapshot *rdb_snapshot_begin(struct keyspace *ks, int64_t now_ms, bool compress)
{
    struct rdb_snapshot *snap = snapshot_new(ks, now_ms, &rdb_format, compress, NULL);
    if (!snap)
        return NULL;
    if (!claim_slot(snap, false)) {
        mem_free(snap->seen);
        mem_free(snap);
        return NULL;
    }
    take_point_in_time(snap);
    return snap;
}

int rdb_snapshot_finish(struct rdb_snapshot *snap, struct rdb_writer *w)
{
    return finish(snap, w, NULL);
}

void rdb_snapshot_abandon(struct rdb_snapshot *snap)
{
    struct rdb_writer none;
    rdb_writer_init(&none, NULL, NULL, false);
    none.error = -ECANCELED; /* the walk only marks */
    finish(snap, &none, NULL);
    rdb_writer_release(&none);
}
