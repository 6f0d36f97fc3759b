#include "net/text.h"

#include "core/alloc.h"

#include <stdarg.h>
#include <stdio.h>

void text_printf(struct text *t, const char *fmt, ...)
{
    while (!t->oom) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->cap - t->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < t->cap - t->len) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap + (size_t)n + 1) * 2;
        char *p = mem_realloc(t->buf, cap);
        if (!p) {
            t->oom = true;
            return;
        }
        t->buf = p;
        t->cap = cap;
    }
}

void text_free(struct text *t)
{
    mem_free(t->buf);
    t->buf = NULL;
    t->len = t->cap = 0;
}
