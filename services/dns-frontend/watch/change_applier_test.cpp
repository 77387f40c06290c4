#include "services/dns-frontend/watch/change_applier.h"

#include <gtest/gtest.h>

namespace mcns::frontend::watch {
namespace {

mcns::v1::SyncZone sync_zone(const std::string& name, std::uint32_t serial) {
  mcns::v1::SyncZone z;
  z.set_name(name);
  z.set_primary_ns("ns." + name + ".");
  z.set_admin_email("hostmaster." + name + ".");
  z.set_refresh(3600);
  z.set_retry(600);
  z.set_expire(86400);
  z.set_minimum_ttl(120);
  z.set_serial(serial);
  return z;
}

mcns::v1::SyncRecord record(std::int64_t id, const std::string& name, const std::string& type, const std::string& value) {
  mcns::v1::SyncRecord r;
  r.set_id(id);
  r.set_name(name);
  r.set_type(type);
  r.set_value(value);
  r.set_ttl(300);
  return r;
}

std::uint64_t records_of(const zone::ZoneSetPtr& set, const std::string& zone) {
  for (const auto& s : set->stats())
    if (s.name == zone) return s.records;
  return 0;
}

TEST(ChangeApplierTest, SoaTtlIsTheZoneMinimum) {
  auto soa = soa_from(sync_zone("example.com", 2026112901));
  EXPECT_EQ(soa.ttl, 120u);
  EXPECT_EQ(soa.minimum, 120u);
  EXPECT_EQ(soa.serial, 2026112901u);
  EXPECT_EQ(soa.admin, "hostmaster.example.com.");
}

TEST(ChangeApplierTest, ZoneDataAddsEveryRecordType) {
  zone::ZoneSetBuilder b;
  mcns::v1::ZoneData data;
  *data.mutable_zone() = sync_zone("example.com", 1);
  *data.add_records() = record(1, "@", "NS", "ns.example.com.");
  *data.add_records() = record(2, "www", "A", "10.0.0.1");
  *data.add_records() = record(3, "www", "AAAA", "2001:db8::1");
  *data.add_records() = record(4, "alias", "CNAME", "www.example.com.");
  *data.add_records() = record(5, "@", "MX", "10 mail.example.com.");
  *data.add_records() = record(6, "@", "TXT", "\"v=spf1 -all\"");
  ASSERT_TRUE(add_zone_data(b, data, {}).ok());
  auto set = b.build();
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(records_of(*set, "example.com"), 7u);  // six records and the SOA
}

TEST(ChangeApplierTest, UnknownTypeAndBadValueAreErrors) {
  zone::ZoneSetBuilder b;
  mcns::v1::ZoneData data;
  *data.mutable_zone() = sync_zone("example.com", 1);
  *data.add_records() = record(1, "www", "BOGUS", "x");
  EXPECT_EQ(add_zone_data(b, data, {}).code(), StatusCode::kInvalidArgument);
  data.clear_records();
  *data.add_records() = record(1, "www", "A", "not-an-address");
  EXPECT_EQ(add_zone_data(b, data, {}).code(), StatusCode::kInvalidArgument);
}

TEST(ChangeApplierTest, ChangeOpsApplyInOrder) {
  zone::ZoneSetBuilder b;
  mcns::v1::Change create;
  *create.add_ops()->mutable_zone_upsert() = sync_zone("example.com", 1);
  auto* add = create.add_ops()->mutable_record_add();
  add->set_zone("example.com");
  *add->mutable_record() = record(1, "www", "A", "10.0.0.1");
  ASSERT_TRUE(apply_change(b, create, {}).ok());
  auto first = b.build();
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(records_of(*first, "example.com"), 2u);

  // An update is remove(old) + add(new) + the new serial.
  mcns::v1::Change update;
  *update.add_ops()->mutable_zone_upsert() = sync_zone("example.com", 2);
  auto* rm = update.add_ops()->mutable_record_remove();
  rm->set_zone("example.com");
  *rm->mutable_record() = record(1, "www", "A", "10.0.0.1");
  auto* add2 = update.add_ops()->mutable_record_add();
  add2->set_zone("example.com");
  *add2->mutable_record() = record(1, "www", "A", "10.0.0.2");
  ASSERT_TRUE(apply_change(b, update, {}).ok());
  auto second = b.build();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(records_of(*second, "example.com"), 2u);
  EXPECT_EQ((*second)->stats()[0].serial, 2u);

  mcns::v1::Change drop;
  drop.add_ops()->set_zone_delete("example.com");
  drop.add_ops()->set_zone_delete("never-there.com");  // not an error
  ASSERT_TRUE(apply_change(b, drop, {}).ok());
  auto third = b.build();
  ASSERT_TRUE(third.ok());
  EXPECT_EQ((*third)->zone_count(), 0u);
}

TEST(ChangeApplierTest, ReservedZonesAreRefusedInDataAndSkippedInChanges) {
  zone::ZoneSetBuilder b;
  ReservedZones reserved = {"files.example"};
  mcns::v1::ZoneData data;
  *data.mutable_zone() = sync_zone("files.example", 1);
  EXPECT_EQ(add_zone_data(b, data, reserved).code(), StatusCode::kFailedPrecondition);

  mcns::v1::Change change;
  *change.add_ops()->mutable_zone_upsert() = sync_zone("files.example", 2);
  *change.add_ops()->mutable_zone_upsert() = sync_zone("other.example", 1);
  std::vector<std::string> skipped;
  ASSERT_TRUE(apply_change(b, change, reserved, &skipped).ok());
  EXPECT_EQ(skipped, std::vector<std::string>{"files.example"});
  auto set = b.build();
  ASSERT_TRUE(set.ok());
  ASSERT_EQ((*set)->zone_count(), 1u);
  EXPECT_NE((*set)->find_zone("other.example"), nullptr);
}

TEST(ChangeApplierTest, EmptyOpIsAnError) {
  zone::ZoneSetBuilder b;
  mcns::v1::Change change;
  change.add_ops();
  EXPECT_EQ(apply_change(b, change, {}).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace mcns::frontend::watch
