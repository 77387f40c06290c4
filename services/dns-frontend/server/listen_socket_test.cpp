#include "services/dns-frontend/server/listen_socket.h"

#include <gtest/gtest.h>

#include <unistd.h>

namespace mcns::frontend::server {
namespace {

TEST(ListenSocket, ParsesTheThreeForms) {
  auto any = parse_listen(":10053");
  ASSERT_TRUE(any.ok());
  EXPECT_TRUE(any->wildcard);
  EXPECT_TRUE(any->dual_stack);
  EXPECT_EQ(any->port, 10053);

  auto v4 = parse_listen("127.0.0.1:53");
  ASSERT_TRUE(v4.ok());
  EXPECT_FALSE(v4->wildcard);
  EXPECT_TRUE(v4->address.is_v4());

  auto v6 = parse_listen("[::]:53");
  ASSERT_TRUE(v6.ok());
  EXPECT_TRUE(v6->wildcard);
  EXPECT_FALSE(v6->dual_stack);  // an explicit [::] is IPv6 only, as in Knot and NSD

  EXPECT_FALSE(parse_listen("localhost:53").ok());
  EXPECT_FALSE(parse_listen("127.0.0.1").ok());
}

TEST(ListenSocket, SecondBindOfOnePortSharesItAndTheProbeSeesIt) {
  auto spec = parse_listen("127.0.0.1:0");
  ASSERT_TRUE(spec.ok());
  std::uint16_t port = 0;
  boost::system::error_code ec;
  int a = open_udp(*spec, port, ec);
  ASSERT_GE(a, 0) << ec.message();
  ASSERT_NE(port, 0);
  int b = open_udp(*spec, port, ec);  // SO_REUSEPORT: a second worker's socket
  EXPECT_GE(b, 0) << ec.message();
  ListenSpec taken = *spec;
  taken.port = port;
  EXPECT_TRUE(probe_free(taken));  // another mcns-dns would be refused
  ::close(a);
  if (b >= 0) ::close(b);
}

}  // namespace
}  // namespace mcns::frontend::server
