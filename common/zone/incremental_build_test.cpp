#include "common/zone/incremental_build.h"

#include <gtest/gtest.h>

#include <memory>

#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/dns/rr_type.h"
#include "common/zone/full_build.h"
#include "common/zone/draft_for_test.h"
#include "common/zone/record_rules.h"
#include "common/zone/zone_text_for_test.h"

namespace mcns::zone {
namespace {

using Bytes = std::vector<std::uint8_t>;

using testing::add;
using testing::test_soa;
using testing::zone_of;

ZonePtr big_base() {
  ZoneDraft d = ZoneDraft::for_new_zone("example.com", test_soa());
  for (int i = 0; i < 2000; ++i)
    add(d, str_cat("h", i), dns::type::kA, Bytes{10, 0, static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)});
  return zone_of(d, build_full(d));
}

TEST(IncrementalBuild, SameContentAsAFullBuild) {
  ZonePtr base = big_base();
  ZoneDraft next = ZoneDraft::from_zone(base);
  add(next, "new.deep.ent", dns::type::kA, Bytes{192, 0, 2, 1});
  add(next, "*.wild", dns::type::kTXT, Bytes{1, 'x'});
  add(next, "sub", dns::type::kNS, dns::name_to_wire("ns.sub.example.com."));
  add(next, "h7", dns::type::kA, Bytes{10, 0, 0, 7}, false);  // h7 disappears
  add(next, "h8", dns::type::kA, Bytes{10, 0, 0, 99});
  ASSERT_TRUE(incremental_fits(*base, next.ops.size()));
  ZonePtr inc = zone_of(next, build_incremental(*base, next));
  ZonePtr full = zone_of(next, build_full(next));
  EXPECT_EQ(testing::dump_zone(*inc), testing::dump_zone(*full));
  EXPECT_EQ(inc->record_count(), full->record_count());
  EXPECT_EQ(inc->node_count(), full->node_count());
  EXPECT_EQ(inc->content().wildcards, full->content().wildcards);
  for (unsigned depth = 0; depth < 8; ++depth) {
    EXPECT_EQ(inc->has_nodes_at(depth), full->has_nodes_at(depth)) << depth;
    EXPECT_EQ(inc->has_delegations_at(depth), full->has_delegations_at(depth)) << depth;
  }
}

TEST(IncrementalBuild, SharesTheShardsItDoesNotTouch) {
  ZonePtr base = big_base();
  ZoneDraft next = ZoneDraft::from_zone(base);
  add(next, "h1", dns::type::kA, Bytes{10, 9, 9, 9});
  ZoneContent content = build_incremental(*base, next);
  ASSERT_EQ(content.shards.size(), base->shard_count());
  std::size_t shared = 0;
  for (std::size_t i = 0; i < content.shards.size(); ++i) shared += content.shards[i] == base->shard(i);
  EXPECT_EQ(shared, base->shard_count() - 1);
  EXPECT_EQ(content.records, base->content().records + 1);
}

TEST(IncrementalBuild, BigChangesGoToAFullBuild) {
  ZonePtr base = big_base();  // 2001 records in 32 shards
  EXPECT_TRUE(incremental_fits(*base, 1));
  EXPECT_TRUE(incremental_fits(*base, 95));    // 95 x 64 <= 2001 + 4096
  EXPECT_FALSE(incremental_fits(*base, 96));   // 96 x 64 > 6097
}

}  // namespace
}  // namespace mcns::zone
