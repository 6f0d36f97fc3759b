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
 * suspend inside it (a writer that runs out of room waits for every open
 * section, possibly while holding a lock the reader would wait for). Writers
 * free in bounded batches on their own thread; a thread that exits frees what
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
#define EBR_MAX_THREADS 1024

/* Opens a read section (nestable: only the outermost one counts). */
void ebr_enter(void);
/* Closes it. */
void ebr_exit(void);
/* Whether the calling thread is inside a read section. */
int ebr_in_section(void);

/*
 * Frees `ptr` with free_fn(ptr) once no read section that could have loaded
 * it is still open. The caller must have made it unreachable for new readers
 * first. Never fails and never allocates; when the thread holds too much
 * unreclaimed memory it waits for the readers (so it must not be called
 * inside a read section). free_fn runs later, on this thread, maybe inside a
 * later ebr_retire: it must not take locks that a retiring caller may hold.
 */
void ebr_retire(void *ptr, void (*free_fn)(void *));

/* Frees what the thread has retired as far as readers allow, without waiting. */
void ebr_flush(void);
/* Waits until every read section open at the time of the call has closed
 * (not inside a section). Memory unlinked before the call is then unreachable. */
void ebr_synchronize(void);
/* ebr_synchronize, then frees everything this thread retired before the call. */
void ebr_drain(void);

/* Items this thread has retired and not freed yet (tests). */
size_t ebr_pending(void);
/* This thread's record number in [0, EBR_MAX_THREADS): unique among live
 * threads, reused after a thread exits. Registers the thread if needed. */
unsigned ebr_thread_index(void);

#ifdef __cplusplus
}
#endif
#endif
