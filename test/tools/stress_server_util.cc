#include "test/tools/stress_server_util.h"

#include "test/tools/process_util.h"

#include <unistd.h>
#include <vector>

TestServer::~TestServer()
{
    test_stop(pid);
}

bool test_start_server(TestServer *s, const std::string &binary, bool redis)
{
    s->port = test_free_port();
    s->log = "/tmp/magpie-stress-test-server-" + std::to_string(getpid()) + "-" +
             std::to_string(s->port) + ".log";
    std::vector<std::string> argv = {binary, "--port", std::to_string(s->port)};
    if (redis)
        argv.insert(argv.end(), {"--save", "", "--appendonly", "no"});
    else
        argv.insert(argv.end(), {"--threads", "4"});
    s->pid = test_spawn(argv, s->log);
    return test_wait_for_port(s->port, s->pid, 10000);
}

int test_command(sync_client *c, const std::vector<std::string> &args, std::string *text)
{
    std::string req = "*" + std::to_string(args.size()) + "\r\n";
    for (const auto &a : args)
        req += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    stress_reply r;
    if (sync_client_send(c, req.data(), req.size()) < 0 || sync_client_reply(c, &r) < 0)
        return -1;
    if (text)
        *text = r.str ? std::string(r.str, r.len) : "";
    return r.type;
}
