#include "tools/stress/json.h"

#include <assert.h>
#include <math.h>

static void write_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

/* The separator, indentation and key that precede every value. */
static void begin_value(struct json *j, const char *key)
{
    fputs(j->has_items[j->depth] ? ",\n" : "\n", j->f);
    j->has_items[j->depth] = true;
    for (int i = 0; i <= j->depth; i++)
        fputs("  ", j->f);
    if (key) {
        write_string(j->f, key);
        fputs(": ", j->f);
    }
}

static void open_container(struct json *j, const char *key, char bracket)
{
    begin_value(j, key);
    fputc(bracket, j->f);
    assert(j->depth + 1 < JSON_MAX_DEPTH);
    j->has_items[++j->depth] = false;
}

static void close_container(struct json *j, char bracket)
{
    bool had_items = j->has_items[j->depth--];
    if (had_items) {
        fputc('\n', j->f);
        for (int i = 0; i <= j->depth; i++)
            fputs("  ", j->f);
    }
    fputc(bracket, j->f);
}

void json_start(struct json *j, FILE *f)
{
    j->f = f;
    j->depth = 0;
    j->has_items[0] = false;
    fputc('{', f);
}

void json_finish(struct json *j)
{
    assert(j->depth == 0);
    fputs(j->has_items[0] ? "\n}\n" : "}\n", j->f);
}

void json_object(struct json *j, const char *key)
{
    open_container(j, key, '{');
}

void json_object_end(struct json *j)
{
    close_container(j, '}');
}

void json_array(struct json *j, const char *key)
{
    open_container(j, key, '[');
}

void json_array_end(struct json *j)
{
    close_container(j, ']');
}

void json_string(struct json *j, const char *key, const char *value)
{
    begin_value(j, key);
    write_string(j->f, value);
}

void json_uint(struct json *j, const char *key, uint64_t value)
{
    begin_value(j, key);
    fprintf(j->f, "%llu", (unsigned long long)value);
}

void json_double(struct json *j, const char *key, double value)
{
    begin_value(j, key);
    if (isfinite(value))
        fprintf(j->f, "%.10g", value);
    else
        fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool value)
{
    begin_value(j, key);
    fputs(value ? "true" : "false", j->f);
}
