// A magpie-server inside the test process, for tests that need to reach
// its insides: socketless sessions, commands only tests register. Started
// from a command line as the real binary's (net/main.c), on a free port.
#ifndef MAGPIE_TEST_NET_INPROCESS_SERVER_H
#define MAGPIE_TEST_NET_INPROCESS_SERVER_H

#include <string>
#include <vector>

struct config;
struct server;
struct session;

// Runs one command on a socketless session (net/session.h) and returns the
// reply bytes it wrote.
std::string socketless_call(struct session *s, const std::vector<std::string> &argv);

class InProcessServer
{
  public:
    InProcessServer() = default;
    InProcessServer(const InProcessServer &) = delete;
    InProcessServer &operator=(const InProcessServer &) = delete;
    ~InProcessServer()
    {
        stop();
    }

    // Starts with these flags on a free port. Returns "" or the error.
    std::string start(const std::vector<std::string> &flags);
    void stop();

    struct server *server = nullptr;
    int port = 0;

  private:
    struct config *config_ = nullptr;
};

#endif
