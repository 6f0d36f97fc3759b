/*
 * pool_bench: throughput of tiny fork-join tasks (parallel Fibonacci, one
 * task per call, no cut-off) on the work-stealing pool, side by side with a
 * baseline pool built the textbook way: one FIFO behind one mutex and one
 * condition variable. Both run the same tree with the same allocation per
 * task, with 1 and then 2 workers, and the ratio is printed.
 *
 * Noise from other processes is damped by alternating the two pools in short
 * rounds and keeping each one's best round.
 *
 * Usage: pool_bench [fib_n] [rounds]
 */
#include "core/clock.h"
#include "core/pool.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xcalloc(size_t size)
{
    void *p = calloc(1, size);
    if (p == NULL) {
        fprintf(stderr, "pool_bench: out of memory\n");
        exit(1);
    }
    return p;
}

/*
 * Tree nodes come from a per-thread free list, for both pools alike: with
 * malloc, a node freed on another thread than the one that allocated it costs
 * more than scheduling it, and the bench would measure the allocator. Nodes
 * are never returned to malloc (the bench exits).
 */
#define NODE_SIZE 128
struct free_node {
    struct free_node *next;
};
static _Thread_local struct free_node *free_nodes;

static void *node_alloc(size_t size)
{
    if (size > NODE_SIZE) {
        fprintf(stderr, "pool_bench: node too big\n");
        exit(1);
    }
    struct free_node *n = free_nodes;
    if (n == NULL)
        return xcalloc(NODE_SIZE);
    free_nodes = n->next;
    memset(n, 0, size);
    return n;
}

static void node_free(void *p)
{
    struct free_node *n = p;
    n->next = free_nodes;
    free_nodes = n;
}

static long fib_tasks(int n) /* calls made by the naive recursion */
{
    return n < 2 ? 1 : 1 + fib_tasks(n - 1) + fib_tasks(n - 2);
}

/* ---------------------------------------------------------------- work-stealing */

struct fib {
    struct task task;
    int n;
    long result;
    struct fib *left, *right;
};

static enum task_status fib_run(struct task *t);

static struct fib *fib_new(int n)
{
    struct fib *f = node_alloc(sizeof(*f));
    task_init(&f->task, fib_run);
    f->n = n;
    return f;
}

static enum task_status fib_run(struct task *t)
{
    struct fib *f = container_of(t, struct fib, task);
    TASK_BEGIN(t);
    if (f->n < 2) {
        f->result = f->n;
    } else {
        f->left = fib_new(f->n - 1);
        f->right = fib_new(f->n - 2);
        pool_spawn(t->pool, &f->left->task);
        pool_spawn(t->pool, &f->right->task);
        TASK_JOIN(t, &f->left->task);
        TASK_JOIN(t, &f->right->task);
        f->result = f->left->result + f->right->result;
        node_free(f->left);
        node_free(f->right);
    }
    TASK_END(t);
}

static long stealing_fib(struct pool *p, int n)
{
    struct fib *root = fib_new(n);
    pool_block_on(p, &root->task);
    long result = root->result;
    node_free(root);
    return result;
}

/* ---------------------------------------------------------------- baseline */

struct job {
    void (*run)(struct job *job);
    struct job *next;
};

struct baseline {
    pthread_mutex_t mutex;
    pthread_cond_t work;
    struct job *head, *tail;
    int idle;
    int stop;
    int workers;
    pthread_t threads[64];
};

static struct baseline *base; /* the one baseline pool of this run */

static void base_push(struct job *job)
{
    job->next = NULL;
    pthread_mutex_lock(&base->mutex);
    if (base->tail != NULL)
        base->tail->next = job;
    else
        base->head = job;
    base->tail = job;
    if (base->idle > 0)
        pthread_cond_signal(&base->work);
    pthread_mutex_unlock(&base->mutex);
}

static void *base_worker(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&base->mutex);
    for (;;) {
        while (base->head == NULL && !base->stop) {
            base->idle++;
            pthread_cond_wait(&base->work, &base->mutex);
            base->idle--;
        }
        if (base->stop)
            break;
        struct job *job = base->head;
        base->head = job->next;
        if (base->head == NULL)
            base->tail = NULL;
        pthread_mutex_unlock(&base->mutex);
        job->run(job);
        pthread_mutex_lock(&base->mutex);
    }
    pthread_mutex_unlock(&base->mutex);
    return NULL;
}

static void base_start(int workers)
{
    base = xcalloc(sizeof(*base));
    pthread_mutex_init(&base->mutex, NULL);
    pthread_cond_init(&base->work, NULL);
    base->workers = workers;
    for (int i = 0; i < workers; i++)
        pthread_create(&base->threads[i], NULL, base_worker, NULL);
}

static void base_stop(void)
{
    pthread_mutex_lock(&base->mutex);
    base->stop = 1;
    pthread_cond_broadcast(&base->work);
    pthread_mutex_unlock(&base->mutex);
    for (int i = 0; i < base->workers; i++)
        pthread_join(base->threads[i], NULL);
    pthread_cond_destroy(&base->work);
    pthread_mutex_destroy(&base->mutex);
    free(base);
    base = NULL;
}

/* The same tree in continuation style: a node runs once to spawn its
 * children and once more, queued by the last child to finish, to add up. */
struct base_fib {
    struct job job;
    int n;
    int combining;
    long result;
    _Atomic int pending;
    struct base_fib *parent, *left, *right;
    /* the root only */
    pthread_mutex_t *done_mutex;
    pthread_cond_t *done_cond;
    int *done;
};

static void base_fib_run(struct job *job);

static struct base_fib *base_fib_new(int n, struct base_fib *parent)
{
    struct base_fib *f = node_alloc(sizeof(*f));
    f->job.run = base_fib_run;
    f->n = n;
    f->parent = parent;
    return f;
}

static void base_fib_finished(struct base_fib *f)
{
    struct base_fib *parent = f->parent;
    if (parent == NULL) {
        pthread_mutex_lock(f->done_mutex);
        *f->done = 1;
        pthread_cond_signal(f->done_cond);
        pthread_mutex_unlock(f->done_mutex);
    } else if (atomic_fetch_sub(&parent->pending, 1) == 1) {
        base_push(&parent->job);
    }
}

static void base_fib_run(struct job *job)
{
    struct base_fib *f = container_of(job, struct base_fib, job);
    if (f->combining) {
        f->result = f->left->result + f->right->result;
        node_free(f->left);
        node_free(f->right);
    } else if (f->n < 2) {
        f->result = f->n;
    } else {
        f->combining = 1;
        atomic_store(&f->pending, 2);
        f->left = base_fib_new(f->n - 1, f);
        f->right = base_fib_new(f->n - 2, f);
        base_push(&f->left->job);
        base_push(&f->right->job);
        return;
    }
    base_fib_finished(f);
}

static long baseline_fib(int n)
{
    pthread_mutex_t mutex = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
    int done = 0;
    struct base_fib *root = base_fib_new(n, NULL);
    root->done_mutex = &mutex;
    root->done_cond = &cond;
    root->done = &done;
    base_push(&root->job);
    pthread_mutex_lock(&mutex);
    while (!done)
        pthread_cond_wait(&cond, &mutex);
    pthread_mutex_unlock(&mutex);
    long result = root->result;
    node_free(root);
    return result;
}

/* ---------------------------------------------------------------- driver */

/* Runs fib(n) until `seconds` have passed (at least twice); tasks per second. */
static double measure(struct pool *p, int n, double seconds, long expect)
{
    long tasks = fib_tasks(n), runs = 0;
    uint64_t start = clock_mono_ns(), now;
    do {
        long r = p != NULL ? stealing_fib(p, n) : baseline_fib(n);
        if (r != expect) {
            fprintf(stderr, "pool_bench: fib(%d) = %ld, expected %ld\n", n, r, expect);
            exit(1);
        }
        runs++;
        now = clock_mono_ns();
    } while (runs < 2 || (double)(now - start) < seconds * 1e9);
    return (double)(tasks * runs) / ((double)(now - start) / 1e9);
}

static double max_of(double a, double b)
{
    return a > b ? a : b;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 22;
    int rounds = argc > 2 ? atoi(argv[2]) : 5;
    const double slice = 0.4; /* seconds per measurement */
    long expect = 0, a = 0, b = 1;
    for (int i = 0; i < n; i++) {
        expect = a + b;
        a = b;
        b = expect;
    }
    expect = a;
    printf("pool_bench: fork-join fib(%d) = %ld, %ld tiny tasks per run\n", n, expect,
           fib_tasks(n));
    printf("the two pools alternate for %d rounds of %.1f s; best round of each shown\n", rounds,
           slice);
    printf("%-8s %22s %22s %8s %12s\n", "workers", "work-stealing Mtask/s", "mutex+cond Mtask/s",
           "ratio", "steals");
    for (int workers = 1; workers <= 2; workers++) {
        struct pool_config config = {.workers = workers, .driver = NULL};
        struct pool *p = pool_create(&config);
        if (p == NULL) {
            perror("pool_create");
            return 1;
        }
        base_start(workers);
        double ws = 0, bl = 0;
        for (int r = 0; r < rounds; r++) {
            ws = max_of(ws, measure(p, n, slice, expect));
            bl = max_of(bl, measure(NULL, n, slice, expect));
        }
        base_stop();
        struct pool_stats stats;
        pool_stats(p, &stats);
        pool_destroy(p);
        printf("%-8d %22.2f %22.2f %7.2fx %12llu\n", workers, ws / 1e6, bl / 1e6, ws / bl,
               (unsigned long long)stats.total.steals);
    }
    printf("target: work-stealing >= 3x the baseline with 2 workers (the machine may be shared)\n");
    return 0;
}
