// Helpers shared by the request reader tests: encode commands, feed a byte
// stream in chunks, collect what the reader returns.
#ifndef MAGPIE_TEST_PROTO_RESP_TEST_UTIL_H
#define MAGPIE_TEST_PROTO_RESP_TEST_UTIL_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include "proto/resp.h"
}

using Argv = std::vector<std::string>;

inline std::string multibulk(const Argv &args)
{
    std::string s = "*" + std::to_string(args.size()) + "\r\n";
    for (const std::string &a : args)
        s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    return s;
}

inline Argv to_argv(const struct resp_command &c)
{
    Argv v;
    for (int i = 0; i < c.argc; i++) {
        EXPECT_NE(c.argv[i].ptr, nullptr);
        v.emplace_back(c.argv[i].ptr, c.argv[i].len);
        if (c.argv[i].owner) {
            EXPECT_EQ(c.argv[i].ptr, c.argv[i].owner->data);
            EXPECT_EQ(c.argv[i].len, c.argv[i].owner->len);
        }
    }
    return v;
}

struct Parsed {
    std::vector<Argv> commands;
    std::vector<bool> inline_form;
    enum resp_status last = RESP_NEED_MORE;
    std::string error;
    bool oom = false;
};

// Drains every complete command; the arguments of a batch are copied only
// after the whole batch was returned, which checks that resp_reader_next does
// not invalidate earlier commands.
inline void drain(struct resp_reader *r, Parsed *out)
{
    std::vector<struct resp_command> batch;
    struct resp_command c;
    enum resp_status st;
    while ((st = resp_reader_next(r, &c)) == RESP_COMMAND) {
        EXPECT_GE(c.argc, 1);
        batch.push_back(c);
    }
    for (const struct resp_command &b : batch) {
        out->commands.push_back(to_argv(b));
        out->inline_form.push_back(b.inline_form);
    }
    out->last = st;
    if (st == RESP_ERROR) {
        out->error = resp_reader_error(r);
        out->oom = resp_reader_oom(r);
    }
}

// Feeds `input` through resp_reader_space/commit in chunks of `chunk` bytes
// (the way a socket reader does), draining after each chunk.
inline Parsed parse(const std::string &input, size_t chunk = SIZE_MAX,
                    const struct resp_limits *limits = nullptr, bool auth = false)
{
    Parsed out;
    struct resp_reader *r = resp_reader_new(limits);
    EXPECT_NE(r, nullptr);
    resp_reader_require_auth(r, auth);
    size_t at = 0;
    while (at < input.size() && out.last != RESP_ERROR) {
        char *p;
        size_t room;
        EXPECT_EQ(resp_reader_space(r, &p, &room), 0);
        EXPECT_GE(room, 1u);
        size_t n = std::min({room, chunk, input.size() - at});
        memcpy(p, input.data() + at, n);
        resp_reader_commit(r, n);
        at += n;
        drain(r, &out);
    }
    resp_reader_free(r);
    return out;
}

#endif
