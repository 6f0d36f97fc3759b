// Issue 16, hardening: each hole found by trying the server as an attacker or
// a careless operator would, checked through the server's behaviour.
#include "test/common/test_env.h"
#include "test/net/server_fixture.h"

#include <string>

using testing_server::RespClient;
using testing_server::ServerProcess;

namespace
{

struct Hardening : ServerTest {
};

} // namespace

// requirepass is binary: the password with its NUL byte is the password, its
// prefix up to the NUL is not, and CONFIG GET shows all of it.
TEST_F(Hardening, PasswordWithNulByte)
{
    auto admin = client();
    const std::string pass("sec\0ret", 7);
    ASSERT_EQ(admin->call({"CONFIG", "SET", "requirepass", pass}), "+OK\r\n");
    auto c = client();
    EXPECT_EQ(c->call({"PING"}), "-NOAUTH Authentication required.\r\n");
    EXPECT_EQ(c->call({"AUTH", "sec"}),
              "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    EXPECT_EQ(c->call({"AUTH", pass}), "+OK\r\n");
    EXPECT_EQ(c->call({"CONFIG", "GET", "requirepass"}),
              "*2\r\n$11\r\nrequirepass\r\n$7\r\n" + pass + "\r\n");
    EXPECT_EQ(c->call({"CONFIG", "SET", "requirepass", ""}), "+OK\r\n");
}
