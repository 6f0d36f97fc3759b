/*
 * Listpack: Redis 7.0's packed list of strings and integers, byte for byte.
 * Small lists, hashes (field, value, field, value, ...) and sorted sets
 * (member, score, ...) live in one listpack each, and RDB snapshots store
 * the blob as it is, so a Magpie snapshot loads in redis-server and the other
 * way round. Pure data structure: no locking (the owner's shard lock guards
 * it), no keyspace. It must never read outside the blob, even a hostile one
 * that passed listpack_validate(), and a failed allocation must leave it
 * exactly as it was.
 *
 * Layout (every multi-byte field little-endian):
 *
 *     <total bytes: u32> <count: u16> <entry> ... <entry> <0xFF>
 *
 * count is 65535 when the listpack holds 65535 entries or more ("unknown",
 * count them by walking). An entry is <encoding + data> <backlen>:
 *
 *     0xxxxxxx                      integer 0..127
 *     10LLLLLL data                 string of 0..63 bytes
 *     110xxxxx xxxxxxxx             13-bit integer -4096..4095 (high bits first)
 *     1110LLLL LLLLLLLL data        string of 64..4095 bytes (length high bits first)
 *     0xF0 <len: u32> data          longer string
 *     0xF1 / 0xF2 / 0xF3 / 0xF4 x   16 / 24 / 32 / 64-bit two's complement integer
 *
 * A string that is a canonical decimal integer (Redis's string2ll: "123" and
 * "-5", not "0123", "+1" or "-0") is stored as the smallest integer encoding
 * that holds it; the others as the smallest string encoding. backlen is the
 * size of <encoding + data> in 1 to 5 bytes, 7 bits each, most significant
 * first; every byte but the first has bit 7 set, so it can be read backwards
 * from the next entry.
 *
 * Positions are byte offsets of entries from the start of the listpack
 * (0 means "no entry": the header is never an entry). A change to the
 * listpack invalidates the positions after the changed entry.
 */
#ifndef MAGPIE_STORE_LISTPACK_H
#define MAGPIE_STORE_LISTPACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The blob itself: a struct listpack * points at its first header byte. */
struct listpack;

/* Room for an integer entry written out in decimal, with its NUL. */
#define LISTPACK_INT_BUF     21
/* Redis's LISTPACK_MAX_SAFETY_SIZE: callers convert to a bigger encoding
 * rather than grow a listpack past 1 GiB. */
#define LISTPACK_SAFETY_SIZE (1u << 30)

/* One entry: a string (str points into the listpack, valid until it
 * changes) or, when str is NULL, an integer. */
struct listpack_value {
    const unsigned char *str;
    size_t len;
    long long integer;
};

enum listpack_where { LISTPACK_BEFORE, LISTPACK_AFTER };

/* An empty listpack, or NULL when the allocation fails. */
struct listpack *listpack_new(void);
void listpack_free(struct listpack *lp);
/* Takes `blob` (`size` bytes from mem_alloc) if it is a valid listpack,
 * checked completely: then it is the listpack and the caller's pointer is
 * gone. Otherwise NULL, and the caller still owns blob. */
struct listpack *listpack_from_blob(void *blob, size_t size);

/* Total bytes: what an RDB snapshot stores, starting at (const void *)lp. */
size_t listpack_bytes(const struct listpack *lp);
/* Number of entries (walks the listpack when the header says "unknown"). */
size_t listpack_count(const struct listpack *lp);
/* Whether `add` more bytes keep the listpack under LISTPACK_SAFETY_SIZE. */
bool listpack_safe_to_add(const struct listpack *lp, size_t add);

/* Iteration: each returns a position, or 0 when there is none. */
size_t listpack_first(const struct listpack *lp);
size_t listpack_last(const struct listpack *lp);
size_t listpack_next(const struct listpack *lp, size_t pos);
size_t listpack_prev(const struct listpack *lp, size_t pos);
/* The entry at `index` (negative: from the end, -1 is the last), walking
 * from the nearer end; 0 when out of range. */
size_t listpack_seek(const struct listpack *lp, long index);

/* Reads the entry at pos as a string or an integer. */
void listpack_get(const struct listpack *lp, size_t pos, struct listpack_value *out);
/* Reads the entry at pos as bytes: an integer is written into buf. Returns
 * the bytes (in the listpack or in buf) and sets *len. */
const unsigned char *listpack_get_bytes(const struct listpack *lp, size_t pos, size_t *len,
                                        unsigned char buf[LISTPACK_INT_BUF]);
/* The first entry from pos on whose bytes equal s, comparing one entry then
 * skipping `skip` (a hash compares only fields with skip 1); 0 if none. */
size_t listpack_find(const struct listpack *lp, size_t pos, const void *s, size_t len, size_t skip);

/*
 * Changes return 0, -ENOMEM (allocation failed) or -E2BIG (the listpack
 * would pass 4 GiB, its format's limit); on an error *lp is unchanged.
 * *lp may move: positions survive as offsets, not pointers.
 */
int listpack_append(struct listpack **lp, const void *s, size_t len);
int listpack_prepend(struct listpack **lp, const void *s, size_t len);
/* Inserts before or after the entry at pos; *new_pos (if not NULL) is the
 * position of the new entry. */
int listpack_insert(struct listpack **lp, size_t pos, enum listpack_where where, const void *s,
                    size_t len, size_t *new_pos);
/* Replaces the entry at pos, which keeps its position. */
int listpack_replace(struct listpack **lp, size_t pos, const void *s, size_t len);
/* Appends up to `count` entries of another listpack, from its entry at pos
 * (0: none), to the end of *lp, copying their bytes as they are: how a
 * quicklist merges two nodes or splits one. */
int listpack_append_from(struct listpack **lp, const struct listpack *src, size_t pos,
                         size_t count);

/* Deletion never fails. Deletes up to `count` entries from pos; returns the
 * position of the entry that followed them, or 0 if they were the last. */
size_t listpack_delete(struct listpack **lp, size_t pos, size_t count);
/* Deletes up to `count` entries from `index` (negative: from the end);
 * returns how many it deleted. */
size_t listpack_delete_range(struct listpack **lp, long index, size_t count);

/*
 * Whether `size` bytes at blob are a listpack. With `deep`, every entry is
 * checked (a known encoding, inside the blob, a backlen with exactly the
 * bytes Redis writes, 0xFF only at the end) and the count, so every function
 * here can use it without reading out of bounds. Without, only Redis's cheap
 * check: header, terminator and first entry, which does not make it safe.
 * Integers and strings in a wider encoding than needed pass, as in Redis.
 */
bool listpack_validate(const void *blob, size_t size, bool deep);

#ifdef __cplusplus
}
#endif
#endif
