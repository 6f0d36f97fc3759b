// A gtest fixture for integration tests: one magpie-server per test, started
// with the test's extra arguments on a free port, stopped with SIGTERM at the
// end; a clean exit (status 0) is part of every test, so sanitizer builds of
// the server fail the test on a race or a leak.
#ifndef MAGPIE_TEST_NET_SERVER_FIXTURE_H
#define MAGPIE_TEST_NET_SERVER_FIXTURE_H

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

#include "test/common/server.h"
#include "test/common/eventually.h"

class ServerTest : public ::testing::Test
{
  protected:
    testing_server::ServerProcess server;
    bool started = false;

    // Extra arguments for the server; override or set before start().
    virtual std::vector<std::string> server_args()
    {
        return {"--threads", "3", "--loglevel", "verbose"};
    }

    void SetUp() override
    {
        if (testing_server::server_binary().empty() ||
            access(testing_server::server_binary().c_str(), X_OK) != 0)
            GTEST_SKIP() << "MAGPIE_SERVER is not set or not executable";
        start(server_args());
    }

    void start(const std::vector<std::string> &args)
    {
        started = server.start(args);
        ASSERT_TRUE(started) << "server did not start:\n" << server.log();
    }

    void TearDown() override
    {
        if (!started || !server.running())
            return;
        int status = server.stop();
        EXPECT_EQ(status, 0) << "server exit status " << status << "; log:\n" << server.log();
    }

    // A connected client; the test fails if it cannot connect.
    std::unique_ptr<testing_server::RespClient> client()
    {
        auto c = std::make_unique<testing_server::RespClient>();
        EXPECT_TRUE(c->connect(server.port));
        return c;
    }

    // Polls `cond` for up to timeout_ms: for outcomes that settle eventually
    // (a closed client leaving the count), never for timing itself.
    template <class F> static bool eventually(F cond)
    {
        return ::eventually(cond, std::chrono::seconds(20), std::chrono::milliseconds(10));
    }

    // The value of `field` in INFO's text, or "".
    static std::string info_field(const std::string &info, const std::string &field)
    {
        size_t at = info.find("\r\n" + field + ":");
        if (at == std::string::npos)
            return "";
        at += field.size() + 3;
        return info.substr(at, info.find("\r\n", at) - at);
    }
};

#endif
