// For the magpie-stress integration tests: a server (magpie-server or
// redis-server) on an ephemeral port, stopped when it goes out of scope,
// and one command sent on the blocking client.
#ifndef MAGPIE_TEST_TOOLS_STRESS_SERVER_UTIL_H
#define MAGPIE_TEST_TOOLS_STRESS_SERVER_UTIL_H

#include "tools/stress/sync_client.h"

#include <string>
#include <sys/types.h>
#include <vector>

struct TestServer {
    pid_t pid = -1;
    int port = -1;
    std::string log;
    TestServer() = default;
    TestServer(const TestServer &) = delete;
    TestServer &operator=(const TestServer &) = delete;
    ~TestServer();
};

// Starts `binary` (redis-server when `redis`, without persistence; else
// magpie-server with 4 threads) on a free port; false when it does not come
// up (its log is in s->log).
bool test_start_server(TestServer *s, const std::string &binary, bool redis);

// Sends one command and reads its reply: the reply's type, or -1 when the
// connection failed; the text of an error or bulk reply in *text.
int test_command(sync_client *c, const std::vector<std::string> &args, std::string *text = nullptr);

// Why the server on `port` cannot run a workload ("" when it can): the
// probes it answers "unknown command" to, each sent on a connection of its
// own (a SUBSCRIBE or MULTI changes what a connection may send next).
std::string test_unknown_commands(int port, const std::vector<std::vector<std::string>> &probes);

// Starts build/magpie-server (MAGPIE_SERVER) or, when `redis`, redis-server
// for a magpie-stress run. False, with the reason to skip in *why, when a
// binary is missing or the server answers "unknown command" to a probe; a
// server that does not come up is also a test failure.
bool test_start_stress_target(TestServer *s, bool redis,
                              const std::vector<std::vector<std::string>> &probes,
                              std::string *why);

#endif
