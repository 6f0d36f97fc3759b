/*
 * MULTI's queue (net/multi.h).
 */
#include "net/multi.h"

#include "core/alloc.h"

#include <errno.h>

void multi_init(struct multi *m)
{
    m->active = m->aborted = false;
    m->count = m->cap = 0;
    m->cmds = NULL;
    atomic_init(&m->shown, -1);
    atomic_init(&m->mem, 0);
}

void multi_begin(struct multi *m)
{
    m->active = true;
    m->aborted = false;
    atomic_store_explicit(&m->shown, 0, memory_order_relaxed);
}

/* What Redis 7.0 shows as multi-mem: the queued arguments' bytes plus a
 * pointer per argument. */
static uint64_t queued_mem(int argc, const struct resp_arg *argv)
{
    uint64_t bytes = (uint64_t)argc * sizeof(void *);
    for (int i = 0; i < argc; i++)
        bytes += argv[i].len;
    return bytes;
}

int multi_queue(struct multi *m, const struct command *cmd, int argc, const struct resp_arg *argv)
{
    if (m->count == m->cap) {
        int cap = m->cap ? m->cap * 2 : 8;
        struct multi_cmd *grown = mem_realloc(m->cmds, (size_t)cap * sizeof(*grown));
        if (!grown)
            return -ENOMEM;
        m->cmds = grown;
        m->cap = cap;
    }
    struct resp_arg *copy = resp_args_copy(argv, argc);
    if (!copy)
        return -ENOMEM;
    m->cmds[m->count++] = (struct multi_cmd){cmd, argc, copy};
    atomic_store_explicit(&m->shown, m->count, memory_order_relaxed);
    uint64_t mem = atomic_load_explicit(&m->mem, memory_order_relaxed);
    atomic_store_explicit(&m->mem, mem + queued_mem(argc, argv), memory_order_relaxed);
    return 0;
}

void multi_end(struct multi *m)
{
    for (int i = 0; i < m->count; i++)
        mem_free(m->cmds[i].argv);
    mem_free(m->cmds);
    multi_init(m);
}
