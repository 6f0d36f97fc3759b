/*
 * CPU priority of helper threads. A background save or AOF rewrite walks the
 * whole keyspace; when cores are scarce it should yield to the pool's
 * workers, whose clients are waiting, rather than share the CPU evenly with
 * them (a fork's child competes the same way: Redis leaves that to the
 * kernel).
 */
#ifndef MAGPIE_CORE_THREAD_PRIORITY_H
#define MAGPIE_CORE_THREAD_PRIORITY_H

#ifdef __cplusplus
extern "C" {
#endif

/* Lowers the calling thread's priority (nice 10: about a tenth of a
 * worker's share of a contended core). Best effort: failure changes
 * nothing. */
void thread_priority_background(void);

#ifdef __cplusplus
}
#endif
#endif
