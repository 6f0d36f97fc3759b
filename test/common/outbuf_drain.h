// Everything an output chain holds up to its first unfilled placeholder,
// taken through outbuf_iov and outbuf_consume as a socket writer would.
#ifndef MAGPIE_TEST_OUTBUF_DRAIN_H
#define MAGPIE_TEST_OUTBUF_DRAIN_H

#include <string>

#include "proto/reply.h"

inline std::string outbuf_drain(struct outbuf *o)
{
    std::string s;
    struct iovec iov[16];
    int n;
    while ((n = outbuf_iov(o, iov, 16)) > 0) {
        size_t total = 0;
        for (int i = 0; i < n; i++) {
            s.append(static_cast<const char *>(iov[i].iov_base), iov[i].iov_len);
            total += iov[i].iov_len;
        }
        outbuf_consume(o, total);
    }
    return s;
}

#endif
