#include "common/zone/full_build.h"

#include <gtest/gtest.h>

#include <memory>

#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/dns/rr_type.h"
#include "common/zone/draft_for_test.h"
#include "common/zone/record_rules.h"

namespace mcns::zone {
namespace {

using Bytes = std::vector<std::uint8_t>;

using testing::add;
using testing::test_soa;
using testing::zone_of;

ZonePtr make(const ZoneDraft& d) { return zone_of(d, build_full(d)); }

NodeRef find(const Zone& z, const char* absolute) {
  Bytes w = dns::name_to_wire(absolute);
  return z.find(w.data(), w.size());
}

TEST(FullBuild, NodesEntsWildcardsAndCounts) {
  ZoneDraft d = ZoneDraft::for_new_zone("example.com", test_soa());
  Bytes a = {192, 0, 2, 1};
  add(d, "a.b.c", dns::type::kA, a);
  add(d, "*.wild", dns::type::kA, a);
  add(d, "sub", dns::type::kNS, dns::name_to_wire("ns.sub.example.com."));
  add(d, "gone", dns::type::kA, a);
  add(d, "gone", dns::type::kA, a, false);  // the last operation decides
  ZonePtr z = make(d);
  EXPECT_EQ(z->record_count(), 4u);  // 3 + SOA
  // apex, a.b.c, b.c, c, *.wild, wild, sub
  EXPECT_EQ(z->node_count(), 7u);
  EXPECT_TRUE(z->apex_node());
  EXPECT_TRUE(z->apex_node().node->flags & node_flag::kApex);
  EXPECT_EQ(z->apex_node().node->children, 3u);
  EXPECT_EQ(find(*z, "b.c.example.com.").node->rrset_count, 0u);
  EXPECT_TRUE(find(*z, "wild.example.com.").node->flags & node_flag::kWildcardChild);
  EXPECT_TRUE(z->content().wildcards != 0);
  EXPECT_TRUE(z->has_delegations_at(3));
  EXPECT_TRUE(z->has_nodes_at(5));
  EXPECT_FALSE(z->has_nodes_at(6));
  EXPECT_FALSE(find(*z, "gone.example.com."));
  EXPECT_EQ(z->shard_count(), 1u);
}

TEST(FullBuild, ShardCountGrowsWithTheZone) {
  ZoneDraft d = ZoneDraft::for_new_zone("example.com", test_soa());
  for (int i = 0; i < 1000; ++i) {
    Bytes a = {10, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)};
    add(d, str_cat("h", i).c_str(), dns::type::kA, a);
  }
  ZonePtr z = make(d);
  EXPECT_EQ(z->shard_count(), 16u);  // 1001 nodes at 64 a shard, a power of two
  EXPECT_EQ(z->record_count(), 1001u);
  for (int i = 0; i < 1000; i += 97) EXPECT_TRUE(find(*z, str_cat("h", i, ".example.com.").c_str())) << i;
}

}  // namespace
}  // namespace mcns::zone
