#include "common/dns/name.h"

#include <gtest/gtest.h>

namespace mcns::dns {
namespace {

struct Case {
  std::string input;
  std::string want;  // empty: an error is expected
  std::string error_part = "";
};

TEST(NameTest, ZoneNames) {
  const std::string label63(63, 'a'), label64(64, 'a');
  // 4 labels of 63 + dots = 255 characters: 257 octets in wire form.
  const std::string too_long = label63 + "." + label63 + "." + label63 + "." + label63;
  const std::string longest = label63 + "." + label63 + "." + label63 + "." + std::string(61, 'a');
  const Case cases[] = {
      {"svc.mcp.metacircular.net", "svc.mcp.metacircular.net"},
      {"SVC.Mcp.Metacircular.NET", "svc.mcp.metacircular.net"},
      {"example.com.", "example.com"},
      {"_tcp.example.com", "_tcp.example.com"},
      {label63 + ".com", label63 + ".com"},
      {longest, longest},
      {too_long, "", "longer than 255 octets"},
      {label64 + ".com", "", "longer than 63 octets"},
      {"", "", "empty name"},
      {".", "", "root zone"},
      {"a..b", "", "empty label"},
      {"exa mple.com", "", "character ' '"},
      {"ex/ample.com", "", "character '/'"},
      {"-bad.com", "", "starts or ends with '-'"},
      {"*.example.com", "", "'*'"},
      {"example.com..", "", "empty label"},
  };
  for (const auto& c : cases) {
    auto got = canonical_zone_name(c.input);
    if (c.want.empty()) {
      ASSERT_FALSE(got.ok()) << c.input;
      EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
      EXPECT_NE(got.status().message().find(c.error_part), std::string_view::npos) << got.status();
    } else {
      ASSERT_TRUE(got.ok()) << c.input << ": " << got.status();
      EXPECT_EQ(*got, c.want);
    }
  }
}

TEST(NameTest, RecordNames) {
  const Case cases[] = {
      {"@", "@"},
      {"Metacrypt", "metacrypt"},
      {"a.b", "a.b"},
      {"*", "*"},
      {"*.dev", "*.dev"},
      {"_dmarc", "_dmarc"},
      {"dev.*", "", "'*'"},
      {"", "", "use @"},
      {"www.", "", "trailing dot"},
      {"w w", "", "character ' '"},
      {"a@b", "", "character '@'"},
      {std::string(64, 'x'), "", "63 octets"},
  };
  for (const auto& c : cases) {
    auto got = canonical_record_name(c.input, "example.com");
    if (c.want.empty()) {
      ASSERT_FALSE(got.ok()) << c.input;
      EXPECT_NE(got.status().message().find(c.error_part), std::string_view::npos) << got.status();
    } else {
      ASSERT_TRUE(got.ok()) << c.input << ": " << got.status();
      EXPECT_EQ(*got, c.want);
    }
  }
}

TEST(NameTest, RecordNameCountsTheZoneInTheLimit) {
  std::string zone = std::string(63, 'z') + "." + std::string(63, 'z') + "." + std::string(63, 'z');
  EXPECT_TRUE(canonical_record_name(std::string(61, 'a'), zone).ok());
  auto got = canonical_record_name(std::string(62, 'a'), zone);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("255"), std::string_view::npos);
}

TEST(NameTest, AbsoluteNames) {
  EXPECT_EQ(*canonical_absolute_name("NS.Example.com"), "ns.example.com.");
  EXPECT_EQ(*canonical_absolute_name("ns.example.com."), "ns.example.com.");
  EXPECT_FALSE(canonical_absolute_name(".").ok());
  EXPECT_EQ(*canonical_absolute_name(".", true), ".");
  EXPECT_FALSE(canonical_absolute_name("a b.com").ok());
}

TEST(NameTest, AbsoluteRecordNameAndWire) {
  EXPECT_EQ(absolute_record_name("@", "example.com"), "example.com.");
  EXPECT_EQ(absolute_record_name("www", "example.com"), "www.example.com.");
  EXPECT_EQ(name_to_wire("ab.c."), (std::vector<std::uint8_t>{2, 'a', 'b', 1, 'c', 0}));
  EXPECT_EQ(name_to_wire("."), (std::vector<std::uint8_t>{0}));
}

}  // namespace
}  // namespace mcns::dns
