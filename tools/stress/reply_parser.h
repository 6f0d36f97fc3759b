/*
 * A RESP2/RESP3 *reply* parser for the stress client (proto/ parses requests;
 * a client needs the other direction). Pure and stateless: it looks at the
 * bytes buffered so far and either returns one complete reply, says the
 * reply is not complete yet, or says the bytes are not RESP. A pipelined
 * stream split anywhere - inside a length line, between CR and LF, inside a
 * bulk value - simply yields "not complete" until the rest arrives; nothing
 * is consumed until a whole reply is there.
 *
 * Aggregates (arrays, maps, sets, pushes) are validated and skipped whole:
 * the caller gets their type, element count and the bytes of their elements,
 * which it may parse in turn with stress_reply_parse (BRPOP's [key, value]).
 * RESP3 attributes are skipped and the reply they annotate is returned.
 */
#ifndef MAGPIE_STRESS_REPLY_PARSER_H
#define MAGPIE_STRESS_REPLY_PARSER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum stress_reply_type {
    SREPLY_STATUS,   /* +OK */
    SREPLY_ERROR,    /* -ERR ... or !<len> blob error */
    SREPLY_INTEGER,  /* :42 */
    SREPLY_BULK,     /* $3 foo */
    SREPLY_NIL,      /* $-1, *-1, _ */
    SREPLY_ARRAY,    /* *N */
    SREPLY_MAP,      /* %N (N pairs) */
    SREPLY_SET,      /* ~N */
    SREPLY_PUSH,     /* >N */
    SREPLY_DOUBLE,   /* ,3.14 */
    SREPLY_BOOL,     /* #t */
    SREPLY_BIGNUM,   /* (123... */
    SREPLY_VERBATIM, /* =N txt:... */
};

struct stress_reply {
    enum stress_reply_type type;
    /* INTEGER: the value; BOOL: 0 or 1; aggregates: the element count. */
    long long integer;
    /* STATUS, ERROR: the text after the type byte; BULK, DOUBLE, BIGNUM: the
     * value; VERBATIM: the text after "xxx:"; aggregates: the encoding of
     * their elements, one after the other. Points into the buffer. */
    const char *str;
    size_t len;
};

/* Nesting deeper than this is refused as a protocol error. */
#define STRESS_REPLY_MAX_DEPTH 64
/* A line (status, error, length) longer than this without CRLF is refused. */
#define STRESS_REPLY_MAX_LINE  (1u << 20)

/*
 * Parses the reply at the start of buf[0..len). Returns its size in bytes
 * (> 0) with *out filled, 0 when more bytes are needed, or -EPROTO.
 */
long stress_reply_parse(const char *buf, size_t len, struct stress_reply *out);

const char *stress_reply_type_name(enum stress_reply_type type);

#ifdef __cplusplus
}
#endif
#endif
