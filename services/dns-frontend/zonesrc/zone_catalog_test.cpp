#include "services/dns-frontend/zonesrc/zone_catalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/dns/rr_type.h"
#include "common/zone/zone_set.h"

namespace mcns::frontend::zonesrc {
namespace {

class ZoneCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/mcns-catalog-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    file_ = dir_ + "/files.zone";
    std::ofstream(file_) << "$ORIGIN files.test.\n@ 300 IN SOA ns h 7 2 3 4 5\nwww 300 IN A 192.0.2.1\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static zone::SoaParams soa() {
    zone::SoaParams s;
    s.primary_ns = "ns.mcp.metacircular.net.";
    s.admin = "admin.metacircular.net.";
    s.serial = 2024010101;
    return s;
  }

  std::string dir_;
  std::string file_;
  zone::SnapshotHolder holder_;
};

const std::vector<std::uint8_t> kAddr = {192, 0, 2, 5};

TEST_F(ZoneCatalogTest, StandaloneIsReadyOnceFilesAreLoaded) {
  ZoneCatalog c(holder_, /*wait_for_control=*/false);
  EXPECT_FALSE(c.ready());
  EXPECT_EQ(c.readyz_json(), "{\"version\":0,\"connected\":false,\"last_change_age_seconds\":-1}");
  ASSERT_TRUE(c.load_files({file_}).ok());
  EXPECT_TRUE(c.ready());
  EXPECT_NE(holder_.load()->find_zone("files.test"), nullptr);
  EXPECT_GE(c.last_change_age_seconds(), 0);
  EXPECT_TRUE(c.readyz_json().starts_with("{\"version\":0,\"connected\":false,\"last_change_age_seconds\":0."))
      << c.readyz_json();
  ASSERT_EQ(c.files().size(), 1u);
  EXPECT_EQ(c.files()[0].zone, "files.test");
  metrics::Registry r;
  c.register_metrics(r);
  std::string text = r.serialize();
  EXPECT_NE(text.find("mcns_zone_records{zone=\"files.test\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("mcns_sync_connected 0\n"), std::string::npos);
}

TEST_F(ZoneCatalogTest, StandaloneWithoutFilesIsReadyAndEmpty) {
  ZoneCatalog c(holder_, false);
  ASSERT_TRUE(c.load_files({}).ok());
  EXPECT_TRUE(c.ready());
  EXPECT_EQ(holder_.load()->zone_count(), 0u);
}

TEST_F(ZoneCatalogTest, DuplicateZoneAcrossFilesIsAnError) {
  std::string second = dir_ + "/again.zone";
  std::ofstream(second) << "files.test. 300 IN SOA ns.files.test. h.files.test. 8 2 3 4 5\n";
  ZoneCatalog c(holder_, false);
  Status st = c.load_files({file_, second});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(st.message().find("already loaded from " + file_), std::string::npos) << st;
  EXPECT_FALSE(c.ready());  // nothing published
}

TEST_F(ZoneCatalogTest, WithControlWaitsForTheFirstSnapshot) {
  ZoneCatalog c(holder_, /*wait_for_control=*/true);
  ASSERT_TRUE(c.load_files({file_}).ok());
  EXPECT_FALSE(c.ready());
  EXPECT_FALSE(c.apply_control_change(1, [](ControlZoneEditor&) { return ok_status(); }).ok());
  c.set_connected(true);
  Status st = c.replace_control_zones(41, [](ControlZoneEditor& e) {
    MCNS_RETURN_IF_ERROR(e.upsert_zone("svc.mcp.metacircular.net", soa()));
    return e.add_record("svc.mcp.metacircular.net", "metacrypt", dns::type::kA, 300, kAddr);
  });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_TRUE(c.ready());
  EXPECT_EQ(c.version(), 41u);
  EXPECT_NE(holder_.load()->find_zone("files.test"), nullptr);
  EXPECT_NE(holder_.load()->find_zone("svc.mcp.metacircular.net"), nullptr);
  EXPECT_TRUE(c.readyz_json().starts_with("{\"version\":41,\"connected\":true,")) << c.readyz_json();

  // One change: a new record.
  st = c.apply_control_change(42, [](ControlZoneEditor& e) {
    return e.add_record("svc.mcp.metacircular.net", "mcr", dns::type::kA, 300, kAddr);
  });
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(c.version(), 42u);
  EXPECT_EQ(holder_.load()->find_zone("svc.mcp.metacircular.net") != nullptr, true);
  auto stats = holder_.load()->stats();
  ASSERT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].name, "files.test");
  EXPECT_EQ(stats[1].records, 3u);  // SOA + 2 A

  // A new full snapshot without the zone removes it; file zones stay.
  ASSERT_TRUE(c.replace_control_zones(50, [](ControlZoneEditor& e) {
                 return e.upsert_zone("mcp.metacircular.net", soa());
               }).ok());
  EXPECT_EQ(holder_.load()->find_zone("svc.mcp.metacircular.net"), nullptr);
  EXPECT_NE(holder_.load()->find_zone("mcp.metacircular.net"), nullptr);
  EXPECT_NE(holder_.load()->find_zone("files.test"), nullptr);
}

TEST_F(ZoneCatalogTest, AZoneFromBothSourcesIsRejected) {
  ZoneCatalog c(holder_, true);
  ASSERT_TRUE(c.load_files({file_}).ok());
  Status st = c.replace_control_zones(1, [](ControlZoneEditor& e) { return e.upsert_zone("Files.Test.", soa()); });
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(st.message().find("zone \"files.test\" is served from [zones] files (" + file_ + ") and by the control plane"),
            std::string::npos)
      << st;
  EXPECT_FALSE(c.ready());
  EXPECT_EQ(c.version(), 0u);

  ASSERT_TRUE(c.replace_control_zones(2, [](ControlZoneEditor& e) { return e.upsert_zone("other.test", soa()); }).ok());
  auto generation = holder_.generation();
  st = c.apply_control_change(3, [](ControlZoneEditor& e) {
    return e.add_record("files.test", "evil", dns::type::kA, 300, kAddr);
  });
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st;
  st = c.apply_control_change(3, [](ControlZoneEditor& e) { return e.delete_zone("files.test"); });
  EXPECT_EQ(st.code(), StatusCode::kFailedPrecondition) << st;
  EXPECT_EQ(holder_.generation(), generation);  // nothing published
  EXPECT_EQ(c.version(), 2u);
}

}  // namespace
}  // namespace mcns::frontend::zonesrc
