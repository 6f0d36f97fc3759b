/*
 * quicklist_bench: memory per element of a list, the target being
 * no more than redis-server 7.0's quicklist for the same data, and the
 * speed of the operations list commands use most.
 *
 * memory: 1,000,000 elements pushed at the tail with the default settings
 *         (list-max-listpack-size -2, list-compress-depth 0) for three
 *         kinds of element: integers 0..999999, integers 0..99 (i % 100),
 *         and 16-byte strings "element:00000000". Each case runs in a child
 *         process of its own, so RSS growth is its own. Printed: what
 *         quicklist_bytes() accounts (nodes + listpacks), the RSS growth,
 *         and redis-server 7.0.15's (jemalloc) growth for the same RPUSHes
 *         into a fresh server on this machine: RSS (after MEMORY PURGE and
 *         a pause, so that freed query buffers do not blur it) and
 *         used_memory, per element. With compression (depth 1) the same,
 *         for the record.
 *
 * ops:    push at the tail, index into the middle (LINDEX), pop at the head,
 *         on a 1M-element list of 16-byte strings; per second.
 */
#include "core/clock.h"
#include "store/quicklist.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ELEMENTS 1000000

enum kind { INTS, SMALL_INTS, STRINGS };

/* Redis's growth per element, measured 2026-12-02 (see above). */
static const struct {
    const char *name;
    double redis_rss, redis_used;
} kinds[] = {
    [INTS] = {"integers 0..999999", 5.24, 5.08},
    [SMALL_INTS] = {"integers 0..99", 2.23, 2.09},
    [STRINGS] = {"16-byte strings", 18.61, 18.22},
};

static size_t element(enum kind kind, int i, char *buf)
{
    switch (kind) {
    case INTS:
        return (size_t)sprintf(buf, "%d", i);
    case SMALL_INTS:
        return (size_t)sprintf(buf, "%d", i % 100);
    default:
        return (size_t)sprintf(buf, "element:%08d", i);
    }
}

/* Resident bytes from smaps_rollup, which walks the page tables: statm's
 * figure may lag by up to 64 pages per thread (the kernel batches its RSS
 * counters), as much as the smaller lists here grow. */
static long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/smaps_rollup", "r");
    char line[256];
    long kb = 0;
    if (!f)
        return 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "Rss: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb * 1024;
}

static struct quicklist *filled(enum kind kind, int compress, int elements)
{
    struct quicklist *ql = quicklist_new(QUICKLIST_FILL_DEFAULT, compress);
    char buf[32];
    for (int i = 0; ql && i < elements; i++) {
        size_t len = element(kind, i, buf);
        if (quicklist_push(ql, QUICKLIST_TAIL, buf, len) != 0) {
            fprintf(stderr, "quicklist_bench: push failed\n");
            exit(1);
        }
    }
    return ql;
}

/* Runs every path once, then gives the heap back: a forked child has none
 * of the program's code mapped yet, and its first run would count those
 * pages as the list's. */
static void warm_up(void)
{
    for (int kind = INTS; kind <= STRINGS; kind++)
        for (int compress = 0; compress <= 1; compress++)
            quicklist_free(filled((enum kind)kind, compress, 5000));
    malloc_trim(0);
}

/* In a child: fills a list and prints its memory line. */
static void memory_case(enum kind kind, int compress)
{
    warm_up();
    long before = rss_bytes();
    struct quicklist *ql = filled(kind, compress, ELEMENTS);
    if (!ql)
        exit(1);
    long after = rss_bytes();
    double accounted = (double)quicklist_bytes(ql) / ELEMENTS;
    double rss = (double)(after - before) / ELEMENTS;
    printf("%-18s depth %d: %5.2f bytes/element accounted, %5.2f RSS", kinds[kind].name, compress,
           accounted, rss);
    if (compress == 0)
        printf("; redis: %5.2f RSS, %5.2f used (%3.0f%% of its RSS)", kinds[kind].redis_rss,
               kinds[kind].redis_used, 100.0 * rss / kinds[kind].redis_rss);
    printf(" [%zu nodes]\n", quicklist_layout(ql, NULL, 0));
    quicklist_free(ql);
}

static int run_in_child(enum kind kind, int compress)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        memory_case(kind, compress);
        fflush(stdout);
        _exit(0);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return 0;
}

static double per_second(uint64_t start, long n)
{
    return (double)n / ((double)(clock_mono_ns() - start) / 1e9);
}

static int ops(void)
{
    uint64_t start = clock_mono_ns();
    struct quicklist *ql = filled(STRINGS, 0, ELEMENTS);
    if (!ql)
        return -1;
    printf("push tail:       %6.1f M/s\n", per_second(start, ELEMENTS) / 1e6);
    start = clock_mono_ns();
    long found = 0;
    for (long i = 0; i < 100000; i++) {
        struct quicklist_iter it;
        struct listpack_value v;
        quicklist_iter_init(&it, ql, ELEMENTS / 2 + i % 1000, QUICKLIST_FORWARD);
        found += quicklist_iter_next(&it, &v) == 1;
        quicklist_iter_release(&it);
    }
    printf("index middle:    %6.3f M/s (walks %zu nodes of 8 KB)\n", per_second(start, found) / 1e6,
           quicklist_layout(ql, NULL, 0) / 2);
    start = clock_mono_ns();
    while (quicklist_pop(ql, QUICKLIST_HEAD, NULL, NULL) == 0)
        ;
    printf("pop head:        %6.1f M/s\n", per_second(start, ELEMENTS) / 1e6);
    quicklist_free(ql);
    return 0;
}

int main(void)
{
    printf("quicklist memory, %d elements, list-max-listpack-size -2:\n", ELEMENTS);
    for (int kind = INTS; kind <= STRINGS; kind++)
        for (int compress = 0; compress <= 1; compress++)
            if (run_in_child((enum kind)kind, compress) != 0)
                return 1;
    printf("\nquicklist operations, %d 16-byte strings:\n", ELEMENTS);
    return ops() ? 1 : 0;
}
