#include "common/dns/value.h"

#include <gtest/gtest.h>

namespace mcns::dns {
namespace {

struct Case {
  std::string type;
  std::string input;
  std::string want;  // empty: an error is expected
};

TEST(ValueTest, CanonicalForms) {
  const Case cases[] = {
      {"A", "192.168.88.181", "192.168.88.181"},
      {"A", "0.0.0.0", "0.0.0.0"},
      {"A", "192.168.088.181", ""},
      {"A", "256.1.1.1", ""},
      {"A", "1.2.3", ""},
      {"A", "1.2.3.4.5", ""},
      {"A", "::1", ""},
      {"A", " 1.2.3.4", ""},
      {"A", "", ""},
      {"AAAA", "2001:DB8:0:0::1", "2001:db8::1"},
      {"AAAA", "::ffff:1.2.3.4", "::ffff:1.2.3.4"},
      {"AAAA", "fe80::1%eth0", ""},
      {"AAAA", "1.2.3.4", ""},
      {"AAAA", "2001:db8::g", ""},
      {"CNAME", "Host.Example.com", "host.example.com."},
      {"CNAME", "host.example.com.", "host.example.com."},
      {"CNAME", "bad name", ""},
      {"NS", "ns.mcp.metacircular.net.", "ns.mcp.metacircular.net."},
      {"PTR", "host.example.com", "host.example.com."},
      {"MX", "10 Mail.Example.com.", "10 mail.example.com."},
      {"MX", "mail.example.com.", ""},
      {"TXT", "hello world", "\"hello world\""},
      {"TXT", "\"a\" \"b\"", "\"a\" \"b\""},
      {"TXT", "say \"hi\"", "\"say \\\"hi\\\"\""},
      {"SRV", "10 5 443 Svc.Example.com.", "10 5 443 svc.example.com."},
      {"CAA", "0 issue \"letsencrypt.org\"", "0 issue \"letsencrypt.org\""},
      {"A", "1.2.3.4\n", ""},
  };
  for (const auto& c : cases) {
    const RRTypeInfo* t = find_type(c.type);
    ASSERT_NE(t, nullptr) << c.type;
    auto got = canonical_value(*t, c.input);
    if (c.want.empty()) {
      ASSERT_FALSE(got.ok()) << c.type << " " << c.input << " -> " << *got;
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(got.status().message().find(c.type), std::string_view::npos) << got.status();
    } else {
      ASSERT_TRUE(got.ok()) << c.type << " " << c.input << ": " << got.status();
      EXPECT_EQ(*got, c.want) << c.type << " " << c.input;
    }
  }
}

TEST(ValueTest, LongTxtIsSplitInto255OctetStrings) {
  auto got = canonical_value(*find_type("TXT"), std::string(300, 'x'));
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, "\"" + std::string(255, 'x') + "\" \"" + std::string(45, 'x') + "\"");
}

TEST(ValueTest, TtlBounds) {
  EXPECT_FALSE(check_ttl(0).ok());
  EXPECT_TRUE(check_ttl(1).ok());
  EXPECT_TRUE(check_ttl(2147483647).ok());
  EXPECT_FALSE(check_ttl(2147483648LL).ok());
  EXPECT_FALSE(check_ttl(-5).ok());
}

TEST(ValueTest, Rdata) {
  EXPECT_EQ(*value_to_rdata(*find_type("A"), "10.0.0.1"), (std::vector<std::uint8_t>{10, 0, 0, 1}));
  auto aaaa = value_to_rdata(*find_type("AAAA"), "2001:db8::1");
  ASSERT_TRUE(aaaa.ok());
  EXPECT_EQ(aaaa->size(), 16u);
  EXPECT_EQ((*aaaa)[0], 0x20);
  EXPECT_EQ((*aaaa)[15], 0x01);
  EXPECT_EQ(*value_to_rdata(*find_type("CNAME"), "a.b."), (std::vector<std::uint8_t>{1, 'a', 1, 'b', 0}));
  EXPECT_EQ(*value_to_rdata(*find_type("MX"), "10 a.b."), (std::vector<std::uint8_t>{0, 10, 1, 'a', 1, 'b', 0}));
  EXPECT_EQ(*value_to_rdata(*find_type("TXT"), "\"hi\""), (std::vector<std::uint8_t>{2, 'h', 'i'}));
}

}  // namespace
}  // namespace mcns::dns
