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

TEST(RRTypeTest, OneMnemonicTableForRegistryAndOtherTypes) {
  for (const RRTypeInfo& t : all_types()) EXPECT_EQ(type_mnemonic(t.code), t.mnemonic) << t.code;
  EXPECT_EQ(type_mnemonic(type::kDS), "DS");
  EXPECT_EQ(type_mnemonic(type::kAXFR), "AXFR");
  EXPECT_EQ(find_type(type::kDS), nullptr);  // named, but not a registry type
  EXPECT_EQ(type_mnemonic(999), "");
  static_assert(type_mnemonic(type::kHTTPS) == "HTTPS");
}

TEST(RRTypeTest, SoaIsNotAnApiRecord) {
  EXPECT_FALSE(find_type("SOA")->api_allowed);
  for (auto m : {"A", "AAAA", "CNAME", "NS"}) EXPECT_TRUE(find_type(m)->api_allowed) << m;
}

// The per-type rules the zone builder and the answer path use (RFC 3597 section 4 for
// compression, RFC 2782 for SRV; additional-section targets as Knot adds them).
TEST(RRTypeTest, NamesInRdataAreRegistryRows) {
  struct Want {
    const char* type;
    std::uint16_t pos;
    bool compress, additional;
  } with_name[] = {
      {"NS", 0, true, true}, {"CNAME", 0, true, false}, {"PTR", 0, true, false},
      {"MX", 2, true, true}, {"SRV", 6, false, true},
  };
  for (const Want& w : with_name) {
    SCOPED_TRACE(w.type);
    const RRTypeInfo* t = find_type(w.type);
    ASSERT_NE(t, nullptr);
    ASSERT_TRUE(t->rdata_name.has_value());
    EXPECT_EQ(t->rdata_name->pos, w.pos);
    EXPECT_EQ(t->rdata_name->compress, w.compress);
    EXPECT_EQ(t->rdata_name->additional, w.additional);
  }
  for (auto m : {"A", "AAAA", "TXT", "CAA", "SOA"}) EXPECT_FALSE(find_type(m)->rdata_name.has_value()) << m;
}

}  // namespace
}  // namespace mcns::dns
