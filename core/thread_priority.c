#include "core/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

#define BACKGROUND_NICE 10

void thread_priority_background(void)
{
    /* On Linux the nice value belongs to the thread named by its id. */
    (void)setpriority(PRIO_PROCESS, (id_t)gettid(), BACKGROUND_NICE);
}
