/*
 * The global list of retired items that no thread keeps any more (see
 * core/ebr.h): a thread whose limbo is full while a reader lags, or that goes
 * idle, hands its items over here as one batch instead of waiting, and any
 * thread frees them later (ebr_flush, ebr_collect) once the epoch allows.
 *
 * Handing over is a lock-free push (a CAS on the list head), so a retiring
 * thread, which may hold a shard lock, never waits. Collecting takes the
 * whole list at once (an exchange), frees what may go and pushes the rest
 * back; with only pushes and take-all there is no ABA. Collectors take turns
 * under a mutex (a plain pthread mutex: it is only ever taken by trylock
 * under other locks, or by ebr_drain holding none): a collector that found
 * the list empty while another held it taken could not know whether its own
 * batches were freed, which ebr_drain must know.
 *
 * Why the batches may be freed as the thread's own limbo would be (ebr.c):
 * every item was tagged, after the thread's F_w fence, before the hand-over,
 * and the hand-over's release / the collector's acquire order that fence
 * before the collector's own fence, so the argument of ebr.c (tags, and the
 * shortcut when nobody is inside) holds on the collecting thread too.
 */
#include "core/alloc.h"
#include "core/compiler.h"
#include "core/ebr_internal.h"

#include <pthread.h>

struct batch {
    struct batch *next;
    uint64_t epoch; /* the newest tag: the whole batch may go at epoch + 2 */
    uint32_t count;
    struct limbo_item items[];
};

static ATOMIC(struct batch *) list_head;
static ATOMIC(size_t) orphan_items; /* statistics only: relaxed */
static pthread_mutex_t collector = PTHREAD_MUTEX_INITIALIZER;

/* Pushes the chain first .. last (linked through next). */
static void push(struct batch *first, struct batch *last)
{
    struct batch *old = atomic_load_explicit(&list_head, memory_order_relaxed);
    do {
        last->next = old;
        /* Release: the batches' contents (and the tags' fence before them)
         * happen before the acquire exchange that takes them; later pushes
         * are RMWs, so they continue this release sequence. */
    } while (!atomic_compare_exchange_weak_explicit(&list_head, &old, first, memory_order_release,
                                                    memory_order_relaxed));
}

bool orphans__hand_over(const struct limbo_item *items, uint32_t capacity, uint32_t head,
                        uint32_t count)
{
    if (count == 0)
        return true;
    struct batch *b = mem_alloc(sizeof(*b) + count * sizeof(b->items[0]));
    if (!b)
        return false;
    for (uint32_t i = 0; i < count; i++)
        b->items[i] = items[(head + i) % capacity];
    b->count = count;
    b->epoch = b->items[count - 1].epoch; /* tags never decrease along a ring */
    atomic_fetch_add_explicit(&orphan_items, count, memory_order_relaxed);
    push(b, b);
    return true;
}

static void free_batch(struct batch *b)
{
    /* Counted first: a free_fn may retire more (and hand it over). */
    atomic_fetch_sub_explicit(&orphan_items, b->count, memory_order_relaxed);
    for (uint32_t i = 0; i < b->count; i++)
        b->items[i].free_fn(b->items[i].ptr);
    mem_free(b);
}

void orphans__collect(bool wait)
{
    if (wait)
        pthread_mutex_lock(&collector);
    else if (pthread_mutex_trylock(&collector) != 0)
        return; /* another thread collects (or a free_fn of ours retired) */
    /* Acquire: pairs with push's release. */
    struct batch *list = atomic_exchange_explicit(&list_head, NULL, memory_order_acquire);
    if (list != NULL) {
        /* The shortcut's fence, as in ebr_flush. */
        atomic_thread_fence(memory_order_seq_cst);
        bool all = ebr__nobody_inside();
        for (int i = 0; i < 2 && !all; i++) {
            if (!ebr__try_advance())
                break;
        }
        uint64_t now = ebr__epoch();
        struct batch *keep = NULL, *keep_last = NULL;
        while (list != NULL) {
            struct batch *b = list;
            list = b->next;
            if (all || b->epoch + 2 <= now) {
                free_batch(b);
            } else {
                b->next = keep;
                keep = b;
                if (keep_last == NULL)
                    keep_last = b;
            }
        }
        if (keep != NULL)
            push(keep, keep_last);
    }
    pthread_mutex_unlock(&collector);
}

bool orphans__any(void)
{
    return atomic_load_explicit(&list_head, memory_order_relaxed) != NULL;
}

size_t orphans__count(void)
{
    return atomic_load_explicit(&orphan_items, memory_order_relaxed);
}
