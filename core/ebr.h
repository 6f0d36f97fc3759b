/*
 * Epoch-based reclamation: lets readers walk shared structures without a
 * lock and without writing anything another thread reads, while writers
 * unlink and "free" nodes under their own lock. A writer retires what it
 * unlinked instead of freeing it; the memory is freed once every thread that
 * was inside a read section at the time has left it (Fraser's three epochs).
 *
 *     ebr_enter();                 // announce: "I may hold pointers"
 *     ... load shared pointers, read what they point at ...
 *     ebr_exit();                  // everything loaded in between is dead to us
 *
 *     (writer, after unlinking p)  ebr_retire(p, free_fn);
 *
 * A read section costs one fence and two stores to the thread's own cache
 * line. It must be short and must never block: never take a lock, wait or
 * suspend inside it. Retiring never waits for readers (it runs under shard
 * locks, where one preempted reader must not stall every writer): writers
 * free in bounded batches on their own thread, and a thread whose limbo is
 * full while a reader lags hands the whole batch, with its epochs, to a
 * global list that any thread's flush (and ebr_collect) frees once the
 * readers allow. A thread that retires more than EBR_FLUSH_BYTES flushes at
 * once, a thread that goes idle hands what it still holds to the global list
 * (ebr_quiesce), and a periodic ebr_collect frees that list, so big values
 * come back promptly even on an idle server. A thread that exits frees what
 * it still holds (after waiting for the readers).
 *
 * Threads register on first use (a record in a fixed table, reused after the
 * thread exits), so any thread may read or retire; ebr_thread_index() exposes
 * the record number for per-thread counters.
 */
#ifndef MAGPIE_CORE_EBR_H
#define MAGPIE_CORE_EBR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Threads that may use EBR at the same time (records are reused after exit). */
#define EBR_MAX_THREADS    1024
/* Items a thread keeps before a full limbo goes to the global list. */
#define EBR_LIMBO_CAPACITY 256
/* Retired-but-unfreed bytes after which a thread flushes at once. */
#define EBR_FLUSH_BYTES    (1u << 20)

/* Opens a read section (nestable: only the outermost one counts). */
void ebr_enter(void);
/* Closes it. */
void ebr_exit(void);
/* Whether the calling thread is inside a read section. */
int ebr_in_section(void);

/*
 * Frees `ptr` with free_fn(ptr) once no read section that could have loaded
 * it is still open. The caller must have made it unreachable for new readers
 * first. Never fails and never waits for readers: when the thread's limbo is
 * full it moves the items to the global list (one malloc). Only if that
 * allocation fails does it wait for the readers to leave, as the last resort
 * (so it must not be called inside a read section). free_fn runs later, on
 * this thread or any other (inside a later ebr_retire, ebr_flush or
 * ebr_collect): it must not take locks that a retiring caller may hold.
 */
void ebr_retire(void *ptr, void (*free_fn)(void *));
/* ebr_retire for something that holds `bytes` of memory: past
 * EBR_FLUSH_BYTES retired and not freed, the thread flushes at once (which
 * frees everything when no reader is inside a section). */
void ebr_retire_sized(void *ptr, void (*free_fn)(void *), size_t bytes);

/* Frees what the thread has retired as far as readers allow, and what the
 * global list holds when that is free to take; never waits. */
void ebr_flush(void);
/* The thread goes idle (a worker about to park): flushes, then hands what it
 * still holds to the global list, so it is not stranded until the thread's
 * next retire. Never waits; on allocation failure the items stay. */
void ebr_quiesce(void);
/* Frees what readers allow of the global list (and of this thread's limbo).
 * Never waits: for a periodic timer, so that memory retired by threads that
 * went idle comes back. */
void ebr_collect(void);
/* Waits until every read section open at the time of the call has closed
 * (not inside a section). Memory unlinked before the call is then unreachable. */
void ebr_synchronize(void);
/* ebr_synchronize, then frees everything this thread retired before the call
 * (what it handed to the global list included). */
void ebr_drain(void);

/* Items in this thread's limbo: retired, neither freed nor handed over (tests). */
size_t ebr_pending(void);
/* Items on the global list, from every thread (tests, statistics). */
size_t ebr_orphaned(void);
/* This thread's record number in [0, EBR_MAX_THREADS): unique among live
 * threads, reused after a thread exits. Registers the thread if needed. */
unsigned ebr_thread_index(void);

#ifdef __cplusplus
}
#endif
#endif
