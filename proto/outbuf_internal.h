/*
 * Private to proto/: the layout of the output chain, shared by outbuf.c (the
 * chain and its block pool) and reply.c (the encoder, which writes headers
 * straight into the tail block and fills deferred lengths).
 *
 * A segment is a descriptor of contiguous bytes to write. Three kinds:
 * - COPY: bytes inside a pooled block. A block is shared by the segments that
 *   point into it (a reference or a deferred length splits the copied stream
 *   into several segments of one block) and by the outbuf while it is the
 *   block being filled; it returns to the pool with its last user.
 * - REF: bytes of a refcounted `struct bytes`, holding one reference.
 * - DEFERRED: an aggregate length written after its elements, held in the
 *   descriptor itself; empty (and a barrier for outbuf_iov) until filled.
 */
#ifndef MAGPIE_PROTO_OUTBUF_INTERNAL_H
#define MAGPIE_PROTO_OUTBUF_INTERNAL_H

#include "proto/reply.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum outbuf_segment_kind {
    SEGMENT_COPY,
    SEGMENT_REF,
    SEGMENT_DEFERRED,
};

/* "*" + 20 digits + CRLF fits with room to spare. */
#define OUTBUF_DEFERRED_MAX 24

struct outbuf_segment {
    struct outbuf_segment *next;
    const char *data;
    size_t len;
    uint8_t kind;
    bool embedded; /* this descriptor lives inside its block (COPY only) */
    bool filled;   /* DEFERRED: the length has been written */
    union {
        struct outbuf_block *block; /* COPY */
        struct bytes *ref;          /* REF */
    };
    char header[OUTBUF_DEFERRED_MAX]; /* DEFERRED */
};

struct outbuf_block {
    unsigned users;              /* segments pointing into data, +1 while it is outbuf.block */
    size_t used;                 /* bytes of data handed out */
    struct outbuf_segment first; /* descriptor for the block's first segment */
    char data[];
};

#define OUTBUF_BLOCK_DATA (OUTBUF_BLOCK_SIZE - offsetof(struct outbuf_block, data))

/*
 * Appends n (1 <= n <= OUTBUF_BLOCK_DATA) contiguous bytes to the chain and
 * returns where the caller must write them, or NULL (and o->oom set) when out
 * of memory. The bytes count as pending at once.
 */
char *outbuf__extend(struct outbuf *o, size_t n);

/* Appends an empty DEFERRED segment; NULL (and o->oom) when out of memory. */
struct outbuf_segment *outbuf__defer(struct outbuf *o);
/* Writes a deferred segment's bytes (len <= OUTBUF_DEFERRED_MAX). */
void outbuf__fill(struct outbuf *o, struct outbuf_segment *s, const char *data, size_t len);

#endif
