#include "services/dns-frontend/watch/change_applier.h"

#include "services/dns-frontend/watch/sync_messages_for_test.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace mcns::frontend::watch {
namespace {

mcns::v1::SyncZone sync_zone(const std::string& name, std::uint32_t serial) {
  return testing::sync_zone(name, serial, /*minimum_ttl=*/120);
}
using testing::sync_record;
mcns::v1::SyncRecord record(std::int64_t id, const std::string& name, const std::string& type, const std::string& value) {
  return sync_record(id, name, type, value);
}

class ChangeApplierTest : public ::testing::Test {
 protected:
  std::uint64_t records_of(const std::string& zone) {
    for (const auto& s : holder_.load()->stats())
      if (s.name == zone) return s.records;
    return 0;
  }
  Status snapshot(std::uint64_t version, const mcns::v1::ZoneData& data) {
    return catalog_.replace_control_zones(version,
                                          [&](zonesrc::ControlZoneEditor& e) { return add_zone_data(e, data); });
  }
  Status change(std::uint64_t version, const mcns::v1::Change& c, IsFileZone is_file = {},
                std::vector<std::string>* skipped = nullptr) {
    return catalog_.apply_control_change(
        version, [&](zonesrc::ControlZoneEditor& e) { return apply_change(e, c, is_file, skipped); });
  }

  zone::SnapshotHolder holder_;
  zonesrc::ZoneCatalog catalog_{holder_, true};
};

TEST_F(ChangeApplierTest, SoaTtlIsTheZoneMinimum) {
  auto soa = soa_from(sync_zone("example.com", 2026112901));
  EXPECT_EQ(soa.ttl, 120u);
  EXPECT_EQ(soa.minimum, 120u);
  EXPECT_EQ(soa.serial, 2026112901u);
  EXPECT_EQ(soa.admin, "hostmaster.example.com.");
}

TEST_F(ChangeApplierTest, ZoneDataAddsEveryRecordType) {
  mcns::v1::ZoneData data;
  *data.mutable_zone() = sync_zone("example.com", 1);
  *data.add_records() = record(1, "@", "NS", "ns.example.com.");
  *data.add_records() = record(2, "www", "A", "10.0.0.1");
  *data.add_records() = record(3, "www", "AAAA", "2001:db8::1");
  *data.add_records() = record(4, "alias", "CNAME", "www.example.com.");
  *data.add_records() = record(5, "@", "MX", "10 mail.example.com.");
  *data.add_records() = record(6, "@", "TXT", "\"v=spf1 -all\"");
  ASSERT_TRUE(snapshot(1, data).ok());
  EXPECT_EQ(records_of("example.com"), 7u);  // six records and the SOA
}

TEST_F(ChangeApplierTest, UnknownTypeAndBadValueAreErrorsAndChangeNothing) {
  mcns::v1::ZoneData data;
  *data.mutable_zone() = sync_zone("example.com", 1);
  *data.add_records() = record(1, "www", "BOGUS", "x");
  EXPECT_EQ(snapshot(1, data).code(), StatusCode::kInvalidArgument);
  data.clear_records();
  *data.add_records() = record(1, "www", "A", "not-an-address");
  EXPECT_EQ(snapshot(1, data).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(catalog_.ready());
}

TEST_F(ChangeApplierTest, ChangeOpsApplyInOrder) {
  mcns::v1::ZoneData empty;
  *empty.mutable_zone() = sync_zone("seed.example", 1);
  ASSERT_TRUE(snapshot(1, empty).ok());

  mcns::v1::Change create;
  *create.add_ops()->mutable_zone_upsert() = sync_zone("example.com", 1);
  auto* add = create.add_ops()->mutable_record_add();
  add->set_zone("example.com");
  *add->mutable_record() = record(1, "www", "A", "10.0.0.1");
  ASSERT_TRUE(change(2, create).ok());
  EXPECT_EQ(records_of("example.com"), 2u);

  // An update is remove(old) + add(new) + the new serial.
  mcns::v1::Change update;
  *update.add_ops()->mutable_zone_upsert() = sync_zone("example.com", 2);
  auto* rm = update.add_ops()->mutable_record_remove();
  rm->set_zone("example.com");
  *rm->mutable_record() = record(1, "www", "A", "10.0.0.1");
  auto* add2 = update.add_ops()->mutable_record_add();
  add2->set_zone("example.com");
  *add2->mutable_record() = record(1, "www", "A", "10.0.0.2");
  ASSERT_TRUE(change(3, update).ok());
  EXPECT_EQ(records_of("example.com"), 2u);

  mcns::v1::Change drop;
  drop.add_ops()->set_zone_delete("example.com");
  drop.add_ops()->set_zone_delete("never-there.com");  // not an error
  ASSERT_TRUE(change(4, drop).ok());
  EXPECT_EQ(holder_.load()->find_zone("example.com"), nullptr);
  EXPECT_EQ(catalog_.version(), 4u);
}

TEST_F(ChangeApplierTest, FileZonesAreSkippedInChanges) {
  mcns::v1::ZoneData empty;
  *empty.mutable_zone() = sync_zone("seed.example", 1);
  ASSERT_TRUE(snapshot(1, empty).ok());
  mcns::v1::Change c;
  *c.add_ops()->mutable_zone_upsert() = sync_zone("files.example", 2);
  *c.add_ops()->mutable_zone_upsert() = sync_zone("other.example", 1);
  std::vector<std::string> skipped;
  ASSERT_TRUE(change(2, c, [](const std::string& z) { return z == "files.example"; }, &skipped).ok());
  EXPECT_EQ(skipped, std::vector<std::string>{"files.example"});
  EXPECT_EQ(holder_.load()->find_zone("files.example"), nullptr);
  EXPECT_NE(holder_.load()->find_zone("other.example"), nullptr);
}

TEST_F(ChangeApplierTest, EmptyOpIsAnError) {
  mcns::v1::ZoneData empty;
  *empty.mutable_zone() = sync_zone("seed.example", 1);
  ASSERT_TRUE(snapshot(1, empty).ok());
  mcns::v1::Change c;
  c.add_ops();
  EXPECT_EQ(change(2, c).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(catalog_.version(), 1u);
}

}  // namespace
}  // namespace mcns::frontend::watch
