/*
 * Intset: Redis's sorted integer array (see intset.h for the layout). The
 * members are read and written through memcpy and endian.h, so the blob is
 * little-endian whatever the host, and no access needs alignment.
 */
#include "store/intset.h"

#include "core/alloc.h"

#include <assert.h>
#include <endian.h>
#include <errno.h>
#include <string.h>

enum { HEADER_SIZE = 8 };

static inline unsigned char *raw(struct intset *set)
{
    return (unsigned char *)set;
}

static inline const unsigned char *craw(const struct intset *set)
{
    return (const unsigned char *)set;
}

static uint32_t load32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return le32toh(v);
}

static void store32(unsigned char *p, uint32_t v)
{
    v = htole32(v);
    memcpy(p, &v, sizeof(v));
}

static uint32_t width_of(const unsigned char *p)
{
    return load32(p);
}

static uint32_t length_of(const unsigned char *p)
{
    return load32(p + 4);
}

static size_t size_for(uint32_t width, uint32_t length)
{
    return HEADER_SIZE + (size_t)width * length;
}

/* Bytes a member needs: Redis's _intsetValueEncoding. */
static uint32_t width_for(int64_t value)
{
    if (value < INT32_MIN || value > INT32_MAX)
        return 8;
    if (value < INT16_MIN || value > INT16_MAX)
        return 4;
    return 2;
}

static int64_t get_at(const unsigned char *p, uint32_t width, size_t index)
{
    const unsigned char *at = p + HEADER_SIZE + index * width;
    if (width == 2) {
        uint16_t v;
        memcpy(&v, at, sizeof(v));
        return (int16_t)le16toh(v);
    }
    if (width == 4) {
        uint32_t v;
        memcpy(&v, at, sizeof(v));
        return (int32_t)le32toh(v);
    }
    uint64_t v;
    memcpy(&v, at, sizeof(v));
    return (int64_t)le64toh(v);
}

static void set_at(unsigned char *p, uint32_t width, size_t index, int64_t value)
{
    unsigned char *at = p + HEADER_SIZE + index * width;
    if (width == 2) {
        uint16_t v = htole16((uint16_t)value);
        memcpy(at, &v, sizeof(v));
    } else if (width == 4) {
        uint32_t v = htole32((uint32_t)value);
        memcpy(at, &v, sizeof(v));
    } else {
        uint64_t v = htole64((uint64_t)value);
        memcpy(at, &v, sizeof(v));
    }
}

/* Whether value is a member; *index is where it is, or where it would go. */
static bool search(const unsigned char *p, int64_t value, uint32_t *index)
{
    uint32_t width = width_of(p), low = 0, high = length_of(p);
    while (low < high) {
        uint32_t mid = low + (high - low) / 2;
        int64_t member = get_at(p, width, mid);
        if (member < value) {
            low = mid + 1;
        } else if (member > value) {
            high = mid;
        } else {
            *index = mid;
            return true;
        }
    }
    *index = low;
    return false;
}

struct intset *intset_new(void)
{
    unsigned char *p = mem_alloc(HEADER_SIZE);
    if (!p)
        return NULL;
    store32(p, 2);
    store32(p + 4, 0);
    return (struct intset *)p;
}

void intset_free(struct intset *set)
{
    mem_free(set);
}

struct intset *intset_from_blob(void *blob, size_t size)
{
    return intset_validate(blob, size) ? blob : NULL;
}

/* value does not fit the current width, so it is below or above every
 * member: widen each in place from the last (a wider slot never overlaps a
 * narrower member not yet moved), then put value at one end. */
static int widen_and_add(struct intset **set, int64_t value, uint32_t width)
{
    unsigned char *p = raw(*set);
    uint32_t old_width = width_of(p), length = length_of(p);
    unsigned char *grown = mem_realloc(p, size_for(width, length + 1));
    if (!grown)
        return -ENOMEM;
    size_t shift = value < 0 ? 1 : 0;
    for (size_t i = length; i-- > 0;)
        set_at(grown, width, i + shift, get_at(grown, old_width, i));
    store32(grown, width);
    set_at(grown, width, value < 0 ? 0 : length, value);
    store32(grown + 4, length + 1);
    *set = (struct intset *)grown;
    return 0;
}

int intset_add(struct intset **set, int64_t value, bool *added)
{
    unsigned char *p = raw(*set);
    uint32_t width = width_of(p), length = length_of(p), index = 0;
    if (added)
        *added = false;
    if (width_for(value) <= width && search(p, value, &index))
        return 0;
    if (length == UINT32_MAX)
        return -E2BIG;
    if (width_for(value) > width) {
        int err = widen_and_add(set, value, width_for(value));
        if (!err && added)
            *added = true;
        return err;
    }
    unsigned char *grown = mem_realloc(p, size_for(width, length + 1));
    if (!grown)
        return -ENOMEM;
    unsigned char *slot = grown + HEADER_SIZE + (size_t)index * width;
    memmove(slot + width, slot, (size_t)(length - index) * width);
    set_at(grown, width, index, value);
    store32(grown + 4, length + 1);
    *set = (struct intset *)grown;
    if (added)
        *added = true;
    return 0;
}

bool intset_remove(struct intset **set, int64_t value)
{
    unsigned char *p = raw(*set);
    uint32_t width = width_of(p), length = length_of(p), index;
    if (width_for(value) > width || !search(p, value, &index))
        return false;
    unsigned char *slot = p + HEADER_SIZE + (size_t)index * width;
    memmove(slot, slot + width, (size_t)(length - index - 1) * width);
    store32(p + 4, length - 1);
    /* A failed shrink keeps the larger block, which still holds the set. */
    unsigned char *shrunk = mem_realloc(p, size_for(width, length - 1));
    *set = (struct intset *)(shrunk ? shrunk : p);
    return true;
}

bool intset_find(const struct intset *set, int64_t value)
{
    uint32_t index;
    return width_for(value) <= width_of(craw(set)) && search(craw(set), value, &index);
}

int64_t intset_get(const struct intset *set, uint32_t index)
{
    assert(index < intset_length(set));
    return get_at(craw(set), width_of(craw(set)), index);
}

int64_t intset_random(const struct intset *set, uint64_t random)
{
    uint32_t length = intset_length(set);
    assert(length > 0);
    return intset_get(set, (uint32_t)(random % length));
}

uint32_t intset_length(const struct intset *set)
{
    return length_of(craw(set));
}

size_t intset_bytes(const struct intset *set)
{
    return size_for(width_of(craw(set)), length_of(craw(set)));
}

bool intset_validate(const void *blob, size_t size)
{
    const unsigned char *p = blob;
    if (size < HEADER_SIZE)
        return false;
    uint32_t width = width_of(p), length = length_of(p);
    if (width != 2 && width != 4 && width != 8)
        return false;
    if (length == 0 || size != size_for(width, length))
        return false;
    int64_t previous = get_at(p, width, 0);
    for (uint32_t i = 1; i < length; i++) {
        int64_t member = get_at(p, width, i);
        if (member <= previous)
            return false;
        previous = member;
    }
    return true;
}
