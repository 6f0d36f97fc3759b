#include "test/common/server.h"

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <random>
#include <sstream>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace testing_server
{

namespace
{

long long now_ms()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// A connect to a local port no one listens on can pick that very port as its
// source and connect to itself (TCP simultaneous open): a loop that waits for
// a server to start would then talk to its own echo.
bool connected_to_itself(int fd)
{
    sockaddr_in local{}, peer{};
    socklen_t local_len = sizeof(local), peer_len = sizeof(peer);
    if (getsockname(fd, (sockaddr *)&local, &local_len) != 0 ||
        getpeername(fd, (sockaddr *)&peer, &peer_len) != 0)
        return false;
    return local.sin_port == peer.sin_port && local.sin_addr.s_addr == peer.sin_addr.s_addr;
}

bool can_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = ::connect(fd, (sockaddr *)&sin, sizeof(sin)) == 0 && !connected_to_itself(fd);
    ::close(fd);
    return ok;
}

int decode_status(int status)
{
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return -1;
}

// Position just past the CRLF line starting at pos, or npos.
size_t line_end(const std::string &buf, size_t pos)
{
    size_t e = buf.find("\r\n", pos);
    return e == std::string::npos ? e : e + 2;
}

} // namespace

namespace
{

// Binds 127.0.0.1:port (0: the kernel picks) and returns the port bound,
// or -1.
int bind_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    sin.sin_port = htons((uint16_t)port);
    socklen_t len = sizeof(sin);
    bool ok = fd >= 0 && bind(fd, (sockaddr *)&sin, sizeof(sin)) == 0 &&
              getsockname(fd, (sockaddr *)&sin, &len) == 0;
    if (fd >= 0)
        ::close(fd);
    return ok ? ntohs(sin.sin_port) : -1;
}

// The first port connect() may take as a local port (ip_local_port_range).
int ephemeral_low()
{
    std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 0;
    return in >> low && low > 0 ? low : 32768;
}

} // namespace

// Below the ephemeral range: a port bind(0) hands out comes from the range
// connect() takes local ports from, so a test's own clients could take it
// while the server has it closed (CONFIG SET port moving back and forth),
// and the server could not listen on it again.
int free_port()
{
    static std::mt19937 rng((unsigned)std::random_device{}() ^ (unsigned)getpid());
    const int first = 10000, low = ephemeral_low();
    for (int attempt = 0; low - first >= 1000 && attempt < 200; attempt++) {
        int port = bind_port(first + (int)(rng() % (unsigned)(low - first)));
        if (port > 0)
            return port;
    }
    return bind_port(0);
}

std::string server_binary()
{
    const char *s = getenv("MAGPIE_SERVER");
    return s ? s : "";
}

ServerProcess::~ServerProcess()
{
    if (pid > 0 && !reaped_) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
    }
    if (!log_path.empty())
        unlink(log_path.c_str());
}

bool ServerProcess::spawn(const std::vector<std::string> &args, const std::string &binary)
{
    std::string bin = binary.empty() ? server_binary() : binary;
    if (bin.empty())
        return false;
    char path[] = "/tmp/magpie-test-server-XXXXXX";
    int logfd = mkstemp(path);
    if (logfd < 0)
        return false;
    if (!log_path.empty())
        unlink(log_path.c_str());
    log_path = path;
    pid = fork();
    if (pid < 0) {
        ::close(logfd);
        return false;
    }
    if (pid == 0) {
        dup2(logfd, 1);
        dup2(logfd, 2);
        std::vector<char *> argv;
        argv.push_back(const_cast<char *>(bin.c_str()));
        for (auto &a : args)
            argv.push_back(const_cast<char *>(a.c_str()));
        argv.push_back(nullptr);
        execv(bin.c_str(), argv.data());
        _exit(127);
    }
    ::close(logfd);
    reaped_ = false;
    status_ = -1;
    return true;
}

bool ServerProcess::start(const std::vector<std::string> &args, const std::string &binary,
                          bool add_port, int timeout_ms)
{
    for (int attempt = 0; attempt < 5; attempt++) {
        std::vector<std::string> full = args;
        port = 0;
        if (add_port) {
            full.push_back("--port");
            full.push_back(std::to_string(free_port()));
        }
        for (size_t i = 0; i + 1 < full.size(); i++)
            if (full[i] == "--port")
                port = atoi(full[i + 1].c_str());
        if (!spawn(full, binary))
            return false;
        long long deadline = now_ms() + timeout_ms;
        while (now_ms() < deadline && !reaped_) {
            if (wait_exit(0) >= 0)
                break;
            // The listener opens before the data loads (clients get
            // -LOADING meanwhile): ready once the server says so.
            if (port > 0 && can_connect(port) &&
                log().find("Ready to accept connections") != std::string::npos)
                return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (!reaped_) { // did not come up in time
            stop(SIGKILL);
            return false;
        }
        if (!add_port || log().find("Address already in use") == std::string::npos)
            return false; // a real failure, not a port race
    }
    return false;
}

int ServerProcess::wait_exit(int timeout_ms)
{
    if (reaped_)
        return status_;
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            reaped_ = true;
            status_ = decode_status(status);
            return status_;
        }
        if (now_ms() >= deadline)
            return -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

int ServerProcess::stop(int sig, int timeout_ms)
{
    if (pid <= 0)
        return -1;
    if (!reaped_)
        kill(pid, sig);
    int rc = wait_exit(timeout_ms);
    if (rc < 0) {
        kill(pid, SIGKILL);
        wait_exit(timeout_ms);
    }
    return rc;
}

bool ServerProcess::running()
{
    return pid > 0 && wait_exit(0) < 0;
}

std::string ServerProcess::log() const
{
    std::ifstream f(log_path);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

long ServerProcess::rss_kb() const
{
    std::ifstream f("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(f, line))
        if (line.rfind("VmRSS:", 0) == 0)
            return atol(line.c_str() + 6);
    return -1;
}

std::string resp_command(const std::vector<std::string> &argv)
{
    std::string out = "*" + std::to_string(argv.size()) + "\r\n";
    for (auto &a : argv)
        out += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
    return out;
}

size_t resp_reply_length(const std::string &buf, size_t pos)
{
    if (pos >= buf.size())
        return 0;
    size_t end = line_end(buf, pos);
    if (end == std::string::npos)
        return 0;
    char type = buf[pos];
    long long n = atoll(buf.c_str() + pos + 1);
    switch (type) {
    case '$':
    case '=':
    case '!':
        if (n < 0)
            return end - pos;
        if (buf.size() < end + (size_t)n + 2)
            return 0;
        return end + (size_t)n + 2 - pos;
    case '*':
    case '~':
    case '>':
    case '%':
    case '|': {
        if (n < 0)
            return end - pos;
        long long items = (type == '%' || type == '|') ? 2 * n : n;
        size_t at = end;
        for (long long i = 0; i < items; i++) {
            size_t len = resp_reply_length(buf, at);
            if (len == 0)
                return 0;
            at += len;
        }
        if (type == '|') { // an attribute precedes the real reply
            size_t len = resp_reply_length(buf, at);
            return len ? at + len - pos : 0;
        }
        return at - pos;
    }
    default: // + - : _ , # ( and inline
        return end - pos;
    }
}

RespClient::~RespClient()
{
    close();
}

void RespClient::set_receive_buffer(int bytes)
{
    rcvbuf_ = bytes;
}

bool RespClient::connect(int port, const std::string &host)
{
    close();
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    if (rcvbuf_)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_, sizeof(rcvbuf_));
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host.c_str(), &sin.sin_addr);
    if (::connect(fd, (sockaddr *)&sin, sizeof(sin)) < 0 || connected_to_itself(fd)) {
        close();
        return false;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return true;
}

bool RespClient::connect_unix(const std::string &path)
{
    close();
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un sun{};
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path.c_str());
    if (fd < 0 || ::connect(fd, (sockaddr *)&sun, sizeof(sun)) < 0) {
        close();
        return false;
    }
    return true;
}

void RespClient::close()
{
    if (fd >= 0)
        ::close(fd);
    fd = -1;
    buffered.clear();
}

bool RespClient::send(const std::string &bytes)
{
    size_t off = 0;
    while (off < bytes.size()) {
        ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        off += (size_t)n;
    }
    return true;
}

bool RespClient::fill(int timeout_ms)
{
    pollfd p{fd, POLLIN, 0};
    int r = ::poll(&p, 1, timeout_ms);
    if (r <= 0)
        return false;
    char buf[65536];
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0)
        return false;
    buffered.append(buf, (size_t)n);
    return true;
}

std::string RespClient::read_reply(int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        size_t len = resp_reply_length(buffered);
        if (len) {
            std::string reply = buffered.substr(0, len);
            buffered.erase(0, len);
            return reply;
        }
        long long left = deadline - now_ms();
        if (left <= 0 || !fill((int)left))
            return "";
    }
}

std::string RespClient::read_bytes(size_t n, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    while (buffered.size() < n) {
        long long left = deadline - now_ms();
        if (left <= 0 || !fill((int)left))
            return "";
    }
    std::string out = buffered.substr(0, n);
    buffered.erase(0, n);
    return out;
}

std::string RespClient::call(const std::vector<std::string> &argv, int timeout_ms)
{
    if (!send(resp_command(argv)))
        return "";
    return read_reply(timeout_ms);
}

bool RespClient::wait_closed(int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return false;
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, (int)left) <= 0)
            return false;
        char buf[65536];
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return true;
        if (n < 0 && errno != EINTR)
            return false;
        if (n > 0)
            buffered.append(buf, (size_t)n);
    }
}

} // namespace testing_server
