/*
 * libFuzzer target for store/intset, two ways, picked by bit 0 of byte 0:
 *
 * - Raw: the rest of the input is a candidate blob, in an exact-size heap
 *   buffer so ASan sees any read past it. intset_validate must never read
 *   outside; when it accepts, the members must come out strictly ascending,
 *   each found by binary search, and adding and removing on the loaded set
 *   must keep it valid.
 *
 * - Ops: the rest is a stream of adds (some under an injected allocation
 *   failure), removes, finds and random picks applied both to an intset and
 *   to a plain sorted array; after every op they must hold the same members,
 *   the blob must be as large as its width says, and (when not empty) pass
 *   intset_validate.
 */
#include "store/intset.h"

#include "core/alloc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "test/fuzz/fuzz.h"

enum { MAX_MEMBERS = 512 };

struct input {
    const uint8_t *data;
    size_t size;
};

static uint8_t take(struct input *in)
{
    if (in->size == 0)
        return 0;
    in->size--;
    return *in->data++;
}

/* Values around every width boundary, and raw 64-bit ones. */
static int64_t make_value(struct input *in)
{
    static const int64_t edges[] = {0,         INT16_MIN, INT16_MAX, INT32_MIN,
                                    INT32_MAX, INT64_MIN, INT64_MAX};
    uint8_t kind = take(in) % 4;
    if (kind == 0) { /* near an edge, wrapping around the ends */
        int64_t edge = edges[take(in) % 7];
        return (int64_t)((uint64_t)edge + (uint64_t)(int64_t)(int8_t)take(in));
    }
    if (kind == 1)
        return (int8_t)take(in);
    uint64_t v = 0;
    for (int i = 0; i < (kind == 2 ? 3 : 8); i++)
        v = v << 8 | take(in);
    return kind == 2 ? (int64_t)v - (1 << 23) : (int64_t)v;
}

static unsigned width_for(int64_t v)
{
    return v < INT32_MIN || v > INT32_MAX ? 8 : v < INT16_MIN || v > INT16_MAX ? 4 : 2;
}

/* Checks members, size and order; `wanted` (may be NULL) must match. */
static void check_set(const struct intset *set, const int64_t *wanted, size_t count)
{
    uint32_t length = intset_length(set);
    unsigned width = *(const unsigned char *)set;
    CHECK(!wanted || length == count);
    CHECK(intset_bytes(set) == 8 + (size_t)width * length);
    for (uint32_t i = 0; i < length; i++) {
        int64_t v = intset_get(set, i);
        CHECK(!wanted || v == wanted[i]);
        CHECK(i == 0 || v > intset_get(set, i - 1));
        CHECK(width_for(v) <= width && intset_find(set, v));
    }
    CHECK(length == 0 || intset_validate(set, intset_bytes(set)));
}

static void fuzz_raw(struct input *in)
{
    size_t size = in->size;
    unsigned char *blob = mem_alloc(size ? size : 1);
    CHECK(blob);
    memcpy(blob, in->data, size);
    struct intset *set = intset_from_blob(blob, size);
    if (!set) {
        mem_free(blob);
        return;
    }
    check_set(set, NULL, 0);
    int64_t any = intset_random(set, size);
    CHECK(intset_find(set, any));
    /* Edits on a loaded set: the stream again, read as values. */
    for (int i = 0; i < 8 && in->size; i++) {
        int64_t v = make_value(in);
        bool added;
        CHECK(intset_add(&set, v, &added) == 0 && intset_find(set, v));
        check_set(set, NULL, 0);
        CHECK(intset_remove(&set, v) && !intset_find(set, v));
        if (intset_length(set))
            check_set(set, NULL, 0);
    }
    intset_free(set);
}

/* Where v is, or would go, in the sorted model. */
static size_t model_index(const int64_t *model, size_t count, int64_t v)
{
    size_t i = 0;
    while (i < count && model[i] < v)
        i++;
    return i;
}

static void fuzz_ops(struct input *in)
{
    static int64_t model[MAX_MEMBERS];
    size_t count = 0;
    struct intset *set = intset_new();
    CHECK(set);
    while (in->size > 0) {
        uint8_t op = take(in) % 5;
        int64_t v = make_value(in);
        size_t i = model_index(model, count, v);
        bool present = i < count && model[i] == v;
        CHECK(intset_find(set, v) == present);
        if (op <= 1 && count < MAX_MEMBERS) {
            bool added, failing = op == 1;
            size_t bytes = intset_bytes(set);
            mem_fail_after(failing ? 0 : -1);
            int err = intset_add(&set, v, &added);
            mem_fail_reset();
            if (err) {
                CHECK(failing && err == -ENOMEM && !added && !present);
                CHECK(intset_bytes(set) == bytes);
            } else {
                CHECK(added == !present);
            }
            if (!err && added) {
                memmove(&model[i + 1], &model[i], (count - i) * sizeof(model[0]));
                model[i] = v;
                count++;
            }
        } else if (op == 2 || op == 3) {
            CHECK(intset_remove(&set, v) == present);
            if (present) {
                memmove(&model[i], &model[i + 1], (count - i - 1) * sizeof(model[0]));
                count--;
            }
        } else if (count) {
            uint64_t r = (uint64_t)v;
            CHECK(intset_random(set, r) == model[r % count]);
        }
        check_set(set, model, count);
    }
    intset_free(set);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    struct input in = {data + 1, size - 1};
    if (data[0] & 1)
        fuzz_raw(&in);
    else
        fuzz_ops(&in);
    return 0;
}
