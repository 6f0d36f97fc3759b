/*
 * The project's lock, and LOCK_GUARD: the C version of "never hold a mutex
 * across .await".
 *
 *     LOCK_GUARD(&shard->lock) {
 *         ... the lock is held here, and released on every way out:
 *         falling off the end, break, continue, return, goto ...
 *     }
 *
 * A task may migrate to another worker at every suspension point, so a lock
 * held across one would be released by a thread that does not own it, or
 * block a worker for as long as the task sleeps. Every suspension macro
 * (TASK_YIELD, TASK_AWAIT, TASK_JOIN, and any added later) therefore fails to
 * compile anywhere inside a LOCK_GUARD scope. How: the guard declares a local
 * named `lock_guard_sentinel_` of type `const struct lock_guard_held_`, which
 * shadows the file-scope function of that name; each suspension macro
 * static-asserts that the name does not have the guard's type. Debug builds
 * (MAGPIE_LOCK_CHECKS) also count the locks each thread holds and assert the
 * count is zero at every suspension and whenever a worker picks up a task;
 * clang's -Wthread-safety checks do_* functions (REQUIRES) against guards.
 *
 * Notes: `break` and `continue` inside a guard leave the guard, not an
 * enclosing loop. The argument is evaluated more than once, so it must have
 * no side effects (it is always `&something->lock`). The macros are C only;
 * C++ code calls lock_acquire/lock_release.
 *
 * Lock order. Every lock has a rank: its class (enum lock_class, below, in
 * the order classes may nest) and then its index inside the class (for shard
 * locks the global shard number, the order store/multilock.c takes them in).
 * A thread may only take a lock that ranks strictly above every lock it
 * holds, so no two threads can ever wait for each other in a cycle. Debug
 * builds (MAGPIE_LOCK_CHECKS) keep each thread's held locks on a stack (any
 * number of them, released in any order) and abort on a violation, naming
 * both locks: `magpie: lock order violation: taking shard#3 while holding
 * shard#7`; taking a lock the thread already holds is one too. With locks
 * taken in ascending order the check is one comparison with the top of the
 * stack. lock_try_acquire is exempt from the check (a trylock cannot
 * deadlock), but what it takes counts as held for the locks after it. Never
 * hold a lock while calling anything that may block on I/O.
 */
#ifndef MAGPIE_CORE_LOCK_H
#define MAGPIE_CORE_LOCK_H

#include "core/compiler.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#ifndef MAGPIE_LOCK_CHECKS
#ifdef NDEBUG
#define MAGPIE_LOCK_CHECKS 0
#else
#define MAGPIE_LOCK_CHECKS 1
#endif
#endif

/*
 * Lock classes, outermost first: while holding a lock of one class a thread
 * may take locks of the classes after it (and of the same class with a
 * higher index). The reserved classes have no locks yet; they are placed
 * where their users will need them, nested inside shard locks, so the code
 * that lands with them finds the order already decided.
 */
enum lock_class {
    /* store/shard.c: index = global shard number (db * shards_per_db + i).
     * Many at once (FLUSHALL holds databases x shards), always ascending. */
    LOCK_CLASS_SHARD,
    /* Reserved: the pub/sub channel registry (PUBLISH inside EXEC holds shards). */
    LOCK_CLASS_CHANNELS,
    /* net/tracking*.c: client tracking's key-table stripes (index = stripe)
     * and its client and prefix lists (one index past the stripes), taken by
     * the write hook under shard locks; one at a time, never nested. */
    LOCK_CLASS_TRACKING,
    /* Reserved: the blocked-keys registry, consulted by a write under its
     * shard lock to find the clients blocked on the key. */
    LOCK_CLASS_BLOCKED,
    /* net/clients.c: the client registry. Wakes connections while held
     * (task_wake: pool locks). */
    LOCK_CLASS_CLIENTS,
    /* net/monitor.c: the list of MONITOR clients, walked by every command
     * (under shard locks inside EXEC) to hand each its line. */
    LOCK_CLASS_MONITORS,
    /* net/tracking.c: a tracking client's port (index = client id), taken
     * to hand it an invalidation; reserved too for a connection's inbox. */
    LOCK_CLASS_INBOX,
    /* net/slowlog.c: the slow log, taken only to add an entry (under shard
     * locks inside EXEC) or to read it. Takes nothing while held. */
    LOCK_CLASS_SLOWLOG,
    /* net/config.c: the configuration's strings. Takes nothing while held. */
    LOCK_CLASS_CONFIG,
    /* core/pool_inject.c, core/pool_idle.c: taken by task_wake and
     * pool_spawn, which may run under any lock above; they take nothing else. */
    LOCK_CLASS_POOL_INJECT,
    LOCK_CLASS_POOL_IDLE,
    LOCK_CLASS_COUNT
};

/*
 * A mutex that counts its contention. The counters are written only by the
 * holder, so updating them costs no atomic read-modify-write; readers (INFO,
 * magpie-stress) get relaxed snapshots.
 */
struct CAPABILITY("mutex") lock {
    pthread_mutex_t mutex;
    ATOMIC(uint64_t) acquisitions; /* every acquisition */
    ATOMIC(uint64_t) contended;    /* acquisitions that found the lock taken */
    ATOMIC(uint64_t) wait_ns;      /* total time spent waiting for it */
    uint64_t rank;                 /* class << 32 | index: the lock order (above) */
};

struct lock_stats {
    uint64_t acquisitions;
    uint64_t contended;
    uint64_t wait_ns;
};

/* `index` orders locks of one class (any value when they never nest). */
void lock_init(struct lock *l, enum lock_class cls, uint32_t index);
void lock_destroy(struct lock *l);
void lock_acquire(struct lock *l) ACQUIRE(l);
bool lock_try_acquire(struct lock *l) TRY_ACQUIRE(true, l);
void lock_release(struct lock *l) RELEASE(l);
#ifdef __cplusplus /* g++ -Wshadow: the function "hides" the struct of the same name */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#endif
void lock_stats(const struct lock *l, struct lock_stats *out);
#ifdef __cplusplus
#pragma GCC diagnostic pop
#endif
void lock_stats_reset(struct lock *l);

/* Locks currently held by the calling thread (always 0 without MAGPIE_LOCK_CHECKS). */
int lock_held_count(void);

/* Debug builds: abort with a message naming `where` if this thread holds a lock. */
void lock_assert_none_held(const char *where);

/* "shard", "clients", ...: for messages. */
const char *lock_class_name(enum lock_class cls);

#ifndef __cplusplus

/* ---- LOCK_GUARD machinery; use only through the macros. ---- */

struct lock_guard_ {
    struct lock *lock;
    int active;
};
struct lock_guard_held_ {
    char held[2];
};

/* Outside every guard this name is a function (declared, never defined). */
void lock_guard_sentinel_(void);

static inline struct lock_guard_ lock_guard_enter_(struct lock *l) NO_THREAD_SAFETY
{
    lock_acquire(l);
    return (struct lock_guard_){l, 1};
}

static inline void lock_guard_exit_(struct lock_guard_ *g) NO_THREAD_SAFETY
{
    lock_release(g->lock);
}

/* Tells clang's analysis that the guarded scope holds the lock. */
static inline int lock_guard_holds_(const struct lock *l) ASSERT_CAPABILITY(l) NO_THREAD_SAFETY
{
    (void)l;
    return 1;
}

/*
 * A guarded scope with its own enter and exit, for the guards built on this
 * one (the store's shard guards): `type g = init` on entry, exit(&g) on
 * every way out, and inside, the sentinel that makes every suspension
 * macro fail to compile. `holds` is evaluated on entry and must be true (it
 * is where clang's analysis learns which lock the scope holds).
 */
/* clang-format off */
#define GUARD_SCOPE_(type, g, init, exit_fn, holds, once)                                \
    _Pragma("GCC diagnostic push")                                                       \
    _Pragma("GCC diagnostic ignored \"-Wshadow\"")                                       \
    for (type g __attribute__((cleanup(exit_fn))) = (init); g.active && (holds);         \
         g.active = 0)                                                                   \
        for (const struct lock_guard_held_ lock_guard_sentinel_ = {{0}},                 \
                                           *once = &lock_guard_sentinel_;                \
             once; once = NULL)                                                          \
    _Pragma("GCC diagnostic pop")
/* clang-format on */

#define LOCK_GUARD_(l, g, once)                                                                    \
    GUARD_SCOPE_(struct lock_guard_, g, lock_guard_enter_(l), lock_guard_exit_,                    \
                 lock_guard_holds_(l), once)

#define LOCK_GUARD(l)                                                                              \
    LOCK_GUARD_(l, CONCAT(lock_guard_, __COUNTER__), CONCAT(lock_once_, __COUNTER__))

/*
 * Every suspension macro starts with this. The static assertion fails when the
 * macro is written inside a LOCK_GUARD scope, at any depth.
 */
#define LOCK_ASSERT_SUSPENDABLE(what)                                                              \
    _Static_assert(!__builtin_types_compatible_p(__typeof__(lock_guard_sentinel_),                 \
                                                 const struct lock_guard_held_),                   \
                   what " inside LOCK_GUARD: the lock must be released before suspending");        \
    lock_assert_none_held(what)

#endif /* !__cplusplus */

#ifdef __cplusplus
}
#endif
#endif
