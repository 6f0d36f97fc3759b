/*
 * A growable text buffer for replies that are built line by line (INFO,
 * CLIENT LIST). Allocation failure is sticky (text.oom) and checked once at
 * the end, so builders need no error handling per line.
 */
#ifndef MAGPIE_NET_TEXT_H
#define MAGPIE_NET_TEXT_H

#include "core/compiler.h"

#include <stdbool.h>
#include <stddef.h>

struct text {
    char *buf;
    size_t len, cap;
    bool oom;
};

void text_printf(struct text *t, const char *fmt, ...) PRINTF_LIKE(2, 3);
void text_free(struct text *t);

#endif
