/*
 * Epoch-based reclamation (core/ebr.h).
 *
 * State: a global epoch that only grows, and per thread a record whose
 * `state` is 0 outside a read section and (epoch << 1 | 1) inside one, the
 * epoch being the global value the thread read when it entered.
 *
 * The global epoch moves from E to E + 1 only when every thread inside a
 * section announced E (try_advance). Memory retired with tag T (the global
 * epoch read after it was unlinked) is freed once the global epoch is T + 2.
 * Retiring only queues the item: tags are read in batches (flush), after
 * one fence for all of them, which is later than each unlink and so only
 * ever a later (safe) tag.
 *
 * Why that is safe. Let reader R enter with a fence F_r after announcing E_r,
 * and load a pointer to X that writer W unlinks (store U), then fences (F_w)
 * and reads the tag T. Every seq_cst fence and seq_cst access sits in one
 * total order S.
 *   - R saw X before U, so F_r precedes F_w in S (otherwise the fence rule
 *     would make R's load see U). Let G be the global epoch at F_r in S: the
 *     tag T, read by a seq_cst load after F_w, is at least G, and E_r <= G
 *     because R read E_r by a seq_cst load before F_r.
 *   - Freeing X needs the advance G + 1 -> G + 2. Its advancer read G + 1
 *     (seq_cst, so after the advance that wrote G + 1, itself after F_r) and
 *     then fenced, so its fence follows F_r and it sees R's announcement
 *     (E_r <= G < G + 1, R still inside) or R's exit. It refuses while R is
 *     inside.
 * ThreadSanitizer does not model fences, but it needs none of them: every
 * free happens after an acquire load of the reader's release-stored state
 * (exit, or a later entry) and of the advancer's seq_cst epoch update.
 *
 * The shortcut. When a flush finds no thread inside a read section (after
 * its fence), it frees everything queued at once: a reader that could hold
 * an item fenced before our fence (it saw the item linked), so the scan sees
 * it inside, or its exit. Writers without readers around thus free almost
 * as soon as they unlink, which keeps malloc's per-thread cache working: a
 * value freed 32 SETs later has left it, and freeing it then takes the arena
 * lock. Flushes come every FLUSH_MIN retires while that works, backing off
 * to FLUSH_MAX while readers are busy (a flush reads every reader's line).
 *
 * Never waiting. ebr_retire runs under shard locks, so it must not wait for
 * a reader: one preempted reader would stall every writer of the shard. When
 * the ring is full after a flush (a reader lags), the whole ring, tagged,
 * goes to the global list (ebr_orphans.c) as one malloc'ed batch, and the
 * ring starts empty. Only when that malloc fails does the thread wait for
 * the oldest item's grace period, as the last resort. The same list takes
 * the items of a thread that goes idle (ebr_quiesce), and retirers that say
 * how big their items are (ebr_retire_sized) flush as soon as EBR_FLUSH_BYTES
 * are waiting, so a freed 512 MB value does not sit in a limbo.
 */
#include "core/ebr.h"

#include "core/compiler.h"
#include "core/ebr_internal.h"

#include <assert.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define LIMBO_CAPACITY EBR_LIMBO_CAPACITY /* retired items per thread, not yet freed */
#define FLUSH_MIN      4                  /* retires between two flushes, readers absent ... */
#define FLUSH_MAX      32                 /* ... and present */

struct record {
    /* Read by advancers on other threads; written by the owner. */
    ATOMIC(uint64_t) state;
    ATOMIC(bool) in_use;
    /* Owner only, on another cache line: retiring must not disturb the line
     * that other threads scan. */
    unsigned depth CACHE_ALIGNED;
    bool collecting;
    uint32_t head, count; /* ring of limbo items, oldest first */
    uint32_t untagged;    /* the newest items, still without an epoch */
    uint32_t flush_every; /* FLUSH_MIN .. FLUSH_MAX */
    /* Changes whenever items leave the ring other than through collect's
     * loop: a collect running further up the stack (a free_fn retired) must
     * stop looking at the ring. */
    uint32_t generation;
    bool handed_over;   /* items went to the global list since the last drain */
    size_t bytes;       /* what the ring's items hold (ebr_retire_sized) */
    size_t flush_bytes; /* flush at once when bytes reaches this */
    struct limbo_item limbo[LIMBO_CAPACITY];
} CACHE_ALIGNED;

static ATOMIC(uint64_t) global_epoch = 1;
static ATOMIC(uint32_t) high_water; /* records [0, high_water) may be in use */
static struct record records[EBR_MAX_THREADS];

static pthread_once_t key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static _Thread_local struct record *self;

static void on_thread_exit(void *arg);

static void make_key(void)
{
    if (pthread_key_create(&exit_key, on_thread_exit) != 0) {
        fprintf(stderr, "magpie: ebr: pthread_key_create failed\n");
        abort();
    }
}

static bool try_claim(struct record *r)
{
    bool expected = false;
    /* Acquire pairs with the release in on_thread_exit: the previous owner's
     * last writes to the record (and to per-thread counters indexed by it)
     * happen before ours. */
    return !atomic_load_explicit(&r->in_use, memory_order_relaxed) &&
           atomic_compare_exchange_strong_explicit(&r->in_use, &expected, true,
                                                   memory_order_acquire, memory_order_relaxed);
}

static struct record *register_thread(void)
{
    pthread_once(&key_once, make_key);
    for (;;) {
        /* seq_cst: an advancer that fences after our first announcement
         * must count this record (see try_advance). */
        uint32_t n = atomic_load_explicit(&high_water, memory_order_seq_cst);
        for (uint32_t i = 0; i < n; i++) {
            if (try_claim(&records[i])) {
                struct record *r = &records[i];
                r->depth = 0;
                r->collecting = false;
                r->flush_every = FLUSH_MIN;
                r->flush_bytes = EBR_FLUSH_BYTES;
                self = r;
                pthread_setspecific(exit_key, r);
                return r;
            }
        }
        if (n == EBR_MAX_THREADS) {
            fprintf(stderr, "magpie: ebr: more than %d threads\n", EBR_MAX_THREADS);
            abort();
        }
        /* Open one more record to everybody (then claim it like any other). */
        atomic_compare_exchange_strong_explicit(&high_water, &n, n + 1, memory_order_seq_cst,
                                                memory_order_relaxed);
    }
}

static inline struct record *me(void)
{
    struct record *r = self;
    return likely(r != NULL) ? r : register_thread();
}

void ebr_enter(void)
{
    struct record *r = me();
    if (r->depth++ > 0)
        return;
    /* seq_cst load: E_r <= the epoch at our fence (the proof above). */
    uint64_t e = atomic_load_explicit(&global_epoch, memory_order_seq_cst);
    /* Release: an advancer that reads this value also sees our previous
     * section's reads as done (the exit store before it). */
    atomic_store_explicit(&r->state, (e << 1) | 1, memory_order_release);
    /* F_r: the announcement is ordered before every pointer we load next. */
    atomic_thread_fence(memory_order_seq_cst);
}

void ebr_exit(void)
{
    struct record *r = self;
    assert(r && r->depth > 0);
    if (--r->depth > 0)
        return;
    /* Release: our reads of shared memory happen before any advancer that
     * sees this, and so before the frees that advance allows. */
    atomic_store_explicit(&r->state, 0, memory_order_release);
}

int ebr_in_section(void)
{
    struct record *r = self;
    return r && r->depth > 0;
}

/* Moves the global epoch on when every thread inside a section has seen the
 * current one. False when some reader still lags. */
bool ebr__try_advance(void)
{
    uint64_t cur = atomic_load_explicit(&global_epoch, memory_order_seq_cst);
    /* F_a: after this, every announcement whose fence came earlier is visible. */
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t n = atomic_load_explicit(&high_water, memory_order_seq_cst);
    for (uint32_t i = 0; i < n; i++) {
        /* Acquire pairs with ebr_exit / ebr_enter: the section's reads
         * happen before the frees this advance permits. */
        uint64_t st = atomic_load_explicit(&records[i].state, memory_order_acquire);
        if ((st & 1) && (st >> 1) != cur)
            return false;
    }
    /* seq_cst RMW: ordered in S for the next advancer's load, and a release
     * for whoever frees after reading the new epoch. Losing the race means
     * another thread advanced: progress either way. */
    atomic_compare_exchange_strong_explicit(&global_epoch, &cur, cur + 1, memory_order_seq_cst,
                                            memory_order_relaxed);
    return true;
}

uint64_t ebr__epoch(void)
{
    /* Acquire pairs with the advance that wrote this epoch (see try_advance). */
    return atomic_load_explicit(&global_epoch, memory_order_acquire);
}

/* Gives the newest items their epoch. */
static void tag_pending(struct record *r)
{
    if (r->untagged == 0)
        return;
    /* F_w: every unlink before the items' retirement is ordered before the
     * tag we read. */
    atomic_thread_fence(memory_order_seq_cst);
    uint64_t tag = atomic_load_explicit(&global_epoch, memory_order_seq_cst);
    for (uint32_t i = r->count - r->untagged; i < r->count; i++)
        r->limbo[(r->head + i) % LIMBO_CAPACITY].epoch = tag;
    r->untagged = 0;
}

bool ebr__nobody_inside(void)
{
    uint32_t n = atomic_load_explicit(&high_water, memory_order_seq_cst);
    for (uint32_t i = 0; i < n; i++) {
        /* Acquire pairs with ebr_exit: that section's reads happen before
         * the frees this permits. */
        if (atomic_load_explicit(&records[i].state, memory_order_acquire) & 1)
            return false;
    }
    return true;
}

/* Frees the thread's items whose grace period is over (oldest first), or
 * every item tagged so far when `all` (no reader can hold any of them). */
static void collect(struct record *r, bool all)
{
    if (r->collecting)
        return; /* called from a free_fn that retired: a later flush goes on */
    r->collecting = true;
    /* Acquire pairs with the advance that wrote this epoch (see try_advance). */
    uint64_t now = atomic_load_explicit(&global_epoch, memory_order_acquire);
    uint32_t generation = r->generation;
    /* Only the items tagged now: a free_fn may retire (and so tag) more,
     * which `all` does not cover; and none once a free_fn's retire handed
     * the ring over. */
    for (uint32_t n = r->count - r->untagged; n > 0 && r->generation == generation; n--) {
        struct limbo_item it = r->limbo[r->head];
        if (!all && it.epoch + 2 > now)
            break; /* tags never decrease along the ring */
        r->head = (r->head + 1) % LIMBO_CAPACITY;
        r->count--;
        r->bytes -= it.bytes;
        it.free_fn(it.ptr);
    }
    r->collecting = false;
}

/* Waits until the global epoch reaches `target`. */
static void wait_for_epoch(uint64_t target)
{
    assert(!ebr_in_section()); /* we would wait for ourselves */
    while (atomic_load_explicit(&global_epoch, memory_order_seq_cst) < target) {
        if (!ebr__try_advance())
            sched_yield(); /* a reader is inside: sections are short */
    }
}

/* Moves every item of the ring to the global list. False when out of memory. */
static bool hand_over(struct record *r)
{
    tag_pending(r);
    if (!orphans__hand_over(r->limbo, LIMBO_CAPACITY, r->head, r->count))
        return false;
    r->head = 0;
    r->count = 0;
    r->bytes = 0;
    r->generation++;
    r->handed_over = true;
    return true;
}

/* The ring is full: frees what readers allow, and if a reader lags, hands
 * the ring over instead of waiting for it. */
static void make_room(struct record *r)
{
    ebr_flush();
    if (r->count < LIMBO_CAPACITY || hand_over(r))
        return;
    /* Out of memory for the batch: the last resort is to wait until the
     * oldest item may go, and free it. */
    struct limbo_item it = r->limbo[r->head];
    wait_for_epoch(it.epoch + 2);
    r->head = (r->head + 1) % LIMBO_CAPACITY;
    r->count--;
    r->bytes -= it.bytes;
    r->generation++; /* a collect further up the stack must not pop it too */
    it.free_fn(it.ptr);
}

void ebr_retire_sized(void *ptr, void (*free_fn)(void *), size_t bytes)
{
    struct record *r = me();
    while (r->count == LIMBO_CAPACITY) /* again if a free_fn retired */
        make_room(r);
    r->limbo[(r->head + r->count) % LIMBO_CAPACITY] = (struct limbo_item){ptr, free_fn, 0, bytes};
    r->count++;
    r->bytes += bytes;
    if (++r->untagged >= r->flush_every || r->bytes >= r->flush_bytes)
        ebr_flush();
}

void ebr_retire(void *ptr, void (*free_fn)(void *))
{
    ebr_retire_sized(ptr, free_fn, 0);
}

static void flush_limbo(struct record *r)
{
    /* F_w for every item queued so far (tag_pending fences only when some
     * are untagged; the shortcut needs the fence either way). */
    if (r->untagged == 0)
        atomic_thread_fence(memory_order_seq_cst);
    tag_pending(r);
    if (ebr__nobody_inside()) {
        collect(r, true);
        r->flush_every = FLUSH_MIN;
    } else {
        if (r->flush_every < FLUSH_MAX)
            r->flush_every *= 2;
        /* Two advances free everything retired so far when no reader lags. */
        for (int i = 0; i < 2; i++) {
            if (!ebr__try_advance())
                break;
        }
        collect(r, false);
    }
    /* What a lagging reader holds back does not make every retire flush. */
    r->flush_bytes = r->bytes + EBR_FLUSH_BYTES;
}

void ebr_flush(void)
{
    struct record *r = me();
    if (r->count > 0)
        flush_limbo(r);
    if (orphans__any())
        orphans__collect(false);
}

void ebr_quiesce(void)
{
    struct record *r = self;
    if (r == NULL || r->count == 0 || r->collecting)
        return;
    ebr_flush();
    if (r->count > 0)
        hand_over(r); /* out of memory: they stay for the next flush */
}

void ebr_collect(void)
{
    struct record *r = self;
    if (r != NULL && r->count > 0)
        flush_limbo(r);
    if (orphans__any())
        orphans__collect(false);
}

void ebr_synchronize(void)
{
    /* As if retiring something unlinked before the call (F_w, then the tag). */
    atomic_thread_fence(memory_order_seq_cst);
    uint64_t tag = atomic_load_explicit(&global_epoch, memory_order_seq_cst);
    wait_for_epoch(tag + 2);
}

void ebr_drain(void)
{
    struct record *r = me();
    assert(!r->collecting);
    /* Again while free functions retired more. */
    while (r->count > 0 || r->handed_over) {
        while (r->count > 0) {
            tag_pending(r);
            ebr_synchronize();
            collect(r, false);
        }
        if (r->handed_over) {
            r->handed_over = false;
            /* Every batch it handed over was tagged before this
             * synchronize's tag, so all of them may go after it; waiting
             * for the collector's lock makes sure none is still held by
             * another collector that found it too young. */
            ebr_synchronize();
            orphans__collect(true);
        }
    }
}

size_t ebr_pending(void)
{
    struct record *r = self;
    return r ? r->count : 0;
}

size_t ebr_orphaned(void)
{
    return orphans__count();
}

unsigned ebr_thread_index(void)
{
    return (unsigned)(me() - records);
}

/* pthread key destructor: the thread is exiting. */
static void on_thread_exit(void *arg)
{
    struct record *r = arg;
    assert(r->depth == 0);
    self = r; /* TLS is still valid here; drain uses it */
    ebr_drain();
    self = NULL;
    /* Release pairs with try_claim's acquire (the next owner). */
    atomic_store_explicit(&r->in_use, false, memory_order_release);
}
