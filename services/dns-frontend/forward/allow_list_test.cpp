#include "services/dns-frontend/forward/allow_list.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

#include <cstring>

namespace mcns::frontend::forward {
namespace {

sockaddr_storage addr(const char* text) {
  sockaddr_storage ss{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
  } else {
    EXPECT_EQ(inet_pton(AF_INET6, text, &v6->sin6_addr), 1) << text;
    v6->sin6_family = AF_INET6;
  }
  return ss;
}

bool allows(const AllowList& l, const char* text) {
  auto ss = addr(text);
  return l.contains(reinterpret_cast<const sockaddr*>(&ss));
}

TEST(AllowList, EmptyAllowsNobody) {
  AllowList l;
  EXPECT_FALSE(allows(l, "127.0.0.1"));
  EXPECT_FALSE(allows(l, "::1"));
  EXPECT_FALSE(l.contains(nullptr));
}

TEST(AllowList, Table) {
  auto l = AllowList::parse({"127.0.0.0/8", "::1/128", "192.168.88.0/24", "100.64.0.0/10", "10.1.2.3", "2001:db8::/32",
                             "0.0.0.0/0x"});
  ASSERT_FALSE(l.ok());
  l = AllowList::parse({"127.0.0.0/8", "::1/128", "192.168.88.5/24", "100.64.0.0/10", "10.1.2.3", "2001:db8::/32"});
  ASSERT_TRUE(l.ok()) << l.status();
  struct Case {
    const char* addr;
    bool want;
  } cases[] = {
      {"127.0.0.1", true},       {"127.255.255.254", true}, {"128.0.0.1", false},    {"192.168.88.200", true},
      {"192.168.89.1", false},   {"100.95.252.120", true},  {"100.128.0.1", false},  {"10.1.2.3", true},
      {"10.1.2.4", false},       {"::1", true},             {"::2", false},          {"2001:db8:ffff::1", true},
      {"2001:db9::1", false},    {"::ffff:127.0.0.1", true}, {"::ffff:8.8.8.8", false},
  };
  for (const auto& c : cases) EXPECT_EQ(allows(*l, c.addr), c.want) << c.addr;
}

TEST(AllowList, ZeroPrefixAllowsEverything) {
  auto l = AllowList::parse({"0.0.0.0/0", "::/0"});
  ASSERT_TRUE(l.ok());
  EXPECT_TRUE(allows(*l, "8.8.8.8"));
  EXPECT_TRUE(allows(*l, "2606:4700::1111"));
}

TEST(AllowList, RejectsBadInput) {
  for (const char* bad : {"10.0.0.0/33", "::/129", "localhost", "10.0.0.0/", "10.0.0.0/-1", ""}) {
    EXPECT_FALSE(AllowList::parse({bad}).ok()) << bad;
  }
}

}  // namespace
}  // namespace mcns::frontend::forward
