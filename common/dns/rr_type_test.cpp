#include "common/dns/rr_type.h"

#include <gtest/gtest.h>

namespace mcns::dns {
namespace {

TEST(RRTypeTest, FindsByMnemonicCaseInsensitively) {
  ASSERT_NE(find_type("aaaa"), nullptr);
  EXPECT_EQ(find_type("aaaa")->code, type::kAAAA);
  EXPECT_EQ(find_type("Cname")->code, type::kCNAME);
  EXPECT_EQ(find_type("BOGUS"), nullptr);
  EXPECT_EQ(find_type(""), nullptr);
}

TEST(RRTypeTest, FindsByCodeAndListsInCodeOrder) {
  EXPECT_EQ(find_type(std::uint16_t{28})->mnemonic, "AAAA");
  EXPECT_EQ(find_type(std::uint16_t{999}), nullptr);
  auto all = all_types();
  for (std::size_t i = 1; i < all.size(); ++i) EXPECT_LT(all[i - 1].code, all[i].code);
}

TEST(RRTypeTest, SoaIsNotAnApiRecord) {
  EXPECT_FALSE(find_type("SOA")->api_allowed);
  for (auto m : {"A", "AAAA", "CNAME", "NS"}) EXPECT_TRUE(find_type(m)->api_allowed) << m;
}

}  // namespace
}  // namespace mcns::dns
