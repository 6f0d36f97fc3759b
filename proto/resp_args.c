/*
 * Copies of command arguments (proto/resp.h).
 */
#include "proto/resp.h"

#include "core/alloc.h"

#include <string.h>

struct resp_arg *resp_args_copy(const struct resp_arg *argv, int argc)
{
    size_t bytes = (size_t)argc * sizeof(*argv);
    for (int i = 0; i < argc; i++)
        bytes += argv[i].len;
    struct resp_arg *copy = mem_alloc(bytes ? bytes : 1);
    if (!copy)
        return NULL;
    char *data = (char *)(copy + argc);
    for (int i = 0; i < argc; i++) {
        memcpy(data, argv[i].ptr, argv[i].len);
        copy[i] = (struct resp_arg){.ptr = data, .len = argv[i].len, .owner = NULL};
        data += argv[i].len;
    }
    return copy;
}
