#include "core/clock.h"

#include <sys/resource.h>
#include <time.h>

int64_t clock_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_unix_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

uint64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t clock_mono_ms(void)
{
    return clock_mono_ns() / 1000000u;
}

static int64_t timeval_us(struct timeval tv)
{
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static struct cpu_time cpu_time_of(int who)
{
    struct rusage ru;
    if (getrusage(who, &ru) != 0)
        return (struct cpu_time){0, 0};
    return (struct cpu_time){timeval_us(ru.ru_utime), timeval_us(ru.ru_stime)};
}

struct cpu_time clock_cpu_self(void)
{
    return cpu_time_of(RUSAGE_SELF);
}

struct cpu_time clock_cpu_children(void)
{
    return cpu_time_of(RUSAGE_CHILDREN);
}
