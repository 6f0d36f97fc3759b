/*
 * A minimal streaming JSON writer for the --json reports: nested objects
 * and arrays, pretty-printed, strings escaped. Keys are given for members
 * of objects and NULL for elements of arrays.
 */
#ifndef MAGPIE_STRESS_JSON_H
#define MAGPIE_STRESS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json {
    FILE *f;
    int depth;
    bool has_items[JSON_MAX_DEPTH];
};

void json_start(struct json *j, FILE *f); /* writes the opening { */
void json_finish(struct json *j);         /* writes the closing } and a newline */
void json_object(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *value);
void json_uint(struct json *j, const char *key, uint64_t value);
/* Non-finite values are written as null. */
void json_double(struct json *j, const char *key, double value);
void json_bool(struct json *j, const char *key, bool value);

#endif
