#include "common/base/strings.h"

#include <gtest/gtest.h>

namespace mcns {
namespace {

TEST(StringsTest, StrCatMixesTypes) {
  std::string_view sv = "zone";
  EXPECT_EQ(str_cat(sv, " ", std::string("x"), " has ", 3, " records, ", -1L, ' ', true), "zone x has 3 records, -1 true");
}

TEST(StringsTest, CaseAndTrim) {
  EXPECT_EQ(to_lower("AbC-1"), "abc-1");
  EXPECT_EQ(to_upper("aaaa"), "AAAA");
  EXPECT_TRUE(iequals("MCP-Agent", "mcp-agent"));
  EXPECT_FALSE(iequals("mcp-agent", "mcp-agen"));
  EXPECT_EQ(trim("  a b \t\n"), "a b");
}

TEST(StringsTest, SplitKeepsEmptyParts) {
  auto parts = split("a,,b", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(join({"a", "b"}, ", "), "a, b");
}

TEST(StringsTest, ParseIntIsStrict) {
  EXPECT_EQ(parse_int<int>("42"), 42);
  EXPECT_FALSE(parse_int<int>("42x").has_value());
  EXPECT_FALSE(parse_int<int>("").has_value());
  EXPECT_FALSE(parse_int<unsigned>("-1").has_value());
  EXPECT_FALSE(parse_int<std::uint16_t>("70000").has_value());
  EXPECT_EQ(to_hex("\x01\xff"), "01ff");
}

}  // namespace
}  // namespace mcns
