#include "services/control/store/sync_mapping.h"

#include <gtest/gtest.h>

namespace mcns::control::store {
namespace {

TEST(SyncMappingTest, ZoneAndRecord) {
  domain::Zone z{.id = 3, .name = "example.com", .primary_ns = "ns.example.com.", .admin_email = "h.example.com.",
                 .refresh = 1, .retry = 2, .expire = 3, .minimum_ttl = 4, .serial = 2026112901};
  auto sz = to_sync_zone(z);
  EXPECT_EQ(sz.name(), "example.com");
  EXPECT_EQ(sz.primary_ns(), "ns.example.com.");
  EXPECT_EQ(sz.admin_email(), "h.example.com.");
  EXPECT_EQ(sz.refresh(), 1u);
  EXPECT_EQ(sz.retry(), 2u);
  EXPECT_EQ(sz.expire(), 3u);
  EXPECT_EQ(sz.minimum_ttl(), 4u);
  EXPECT_EQ(sz.serial(), 2026112901u);
  domain::Record r{.id = 7, .zone_id = 3, .name = "www", .type = "AAAA", .value = "2001:db8::1", .ttl = 60};
  auto sr = to_sync_record(r);
  EXPECT_EQ(sr.id(), 7);
  EXPECT_EQ(sr.name(), "www");
  EXPECT_EQ(sr.type(), "AAAA");
  EXPECT_EQ(sr.value(), "2001:db8::1");
  EXPECT_EQ(sr.ttl(), 60u);
}

}  // namespace
}  // namespace mcns::control::store
