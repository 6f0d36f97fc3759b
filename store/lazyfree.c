/*
 * The lazyfree thread: a list of values to free, guarded by a mutex, and a
 * condition variable it sleeps on while the list is empty.
 */
#include "store/lazyfree.h"

#include "core/alloc.h"

#include <pthread.h>
#include <stdatomic.h>

struct lazyfree_job {
    struct lazyfree_job *next;
    struct value v;
};

static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static bool started;
static pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t idle = PTHREAD_COND_INITIALIZER;
static struct lazyfree_job *jobs; /* guarded by mutex */
static _Atomic uint64_t pending;
static _Atomic uint64_t freed;

static void *lazyfree_main(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&mutex);
        while (!jobs)
            pthread_cond_wait(&work, &mutex);
        struct lazyfree_job *batch = jobs;
        jobs = NULL;
        pthread_mutex_unlock(&mutex);
        while (batch) {
            struct lazyfree_job *next = batch->next;
            value_release(batch->v.type, batch->v.encoding, batch->v.p);
            mem_free(batch);
            batch = next;
            atomic_fetch_add_explicit(&freed, 1, memory_order_relaxed);
            /* Release: lazyfree_wait_idle's acquire load sees the frees. */
            atomic_fetch_sub_explicit(&pending, 1, memory_order_release);
        }
        pthread_mutex_lock(&mutex);
        if (!jobs)
            pthread_cond_broadcast(&idle);
        pthread_mutex_unlock(&mutex);
    }
    return NULL;
}

static void start_thread(void)
{
    pthread_t t;
    pthread_attr_t attr;
    if (pthread_attr_init(&attr) != 0)
        return;
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    started = pthread_create(&t, &attr, lazyfree_main, NULL) == 0;
    pthread_attr_destroy(&attr);
}

bool lazyfree_worth_it(const struct value *v)
{
    const struct value_type_ops *ops = value_type_lookup(v->type);
    /* (Tests put aggregates with no payload: nothing to free.) */
    return v->type != VALUE_STRING && v->p.obj && ops && ops->free_effort &&
           ops->free_effort(v->encoding, v->p) > LAZYFREE_THRESHOLD;
}

bool lazyfree_value(const struct value *v)
{
    if (lazyfree_worth_it(v)) {
        pthread_once(&start_once, start_thread);
        struct lazyfree_job *job = started ? mem_alloc(sizeof(*job)) : NULL;
        if (job) {
            job->v = *v;
            atomic_fetch_add_explicit(&pending, 1, memory_order_relaxed);
            pthread_mutex_lock(&mutex);
            job->next = jobs;
            jobs = job;
            pthread_cond_signal(&work);
            pthread_mutex_unlock(&mutex);
            return true;
        }
    }
    value_release(v->type, v->encoding, v->p);
    return false;
}

uint64_t lazyfree_pending(void)
{
    return atomic_load_explicit(&pending, memory_order_relaxed);
}

uint64_t lazyfree_freed(void)
{
    return atomic_load_explicit(&freed, memory_order_relaxed);
}

void lazyfree_wait_idle(void)
{
    pthread_mutex_lock(&mutex);
    while (jobs || atomic_load_explicit(&pending, memory_order_acquire) != 0)
        pthread_cond_wait(&idle, &mutex);
    pthread_mutex_unlock(&mutex);
}
