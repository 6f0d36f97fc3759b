/*
 * Private to proto/: fast decimal formatting shared by the encoder.
 */
#ifndef MAGPIE_PROTO_FORMAT_INTERNAL_H
#define MAGPIE_PROTO_FORMAT_INTERNAL_H

#include <stddef.h>

/* Room for a one-byte type, "-9223372036854775808" and CRLF. */
#define REPLY_HEADER_MAX 24

/* Writes v's decimal digits (with '-' when negative) at buf, which must hold
 * 20 bytes; returns the length. No terminating NUL. */
size_t reply__format_ll(char *buf, long long v);

#endif
