#include "services/control/feed/snapshot_events.h"

#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "common/base/strings.h"
#include "services/control/feed/feed_store.h"
#include "services/control/store/test_support.h"

namespace mcns::control::feed {
namespace {

// A store that streams the given zones and nothing else (the feed asks it only for
// the snapshot here).
class ZonesFeedStore final : public FeedStore {
 public:
  explicit ZonesFeedStore(std::vector<testing::ZoneContents> zones, std::uint64_t version)
      : zones_(std::move(zones)), version_(version) {}
  Status stream_snapshot(std::uint64_t& version, std::uint64_t& chain,
                         const std::function<Status(const domain::Zone&)>& on_zone,
                         const std::function<Status(const store::RecordView&)>& on_record) override {
    version = version_;
    chain = 0;
    for (const auto& contents : zones_) {
      MCNS_RETURN_IF_ERROR(on_zone(contents.zone));
      for (const domain::Record& r : contents.records)
        MCNS_RETURN_IF_ERROR(on_record(store::RecordView{r.id, r.name, r.type, r.value, static_cast<std::uint32_t>(r.ttl)}));
    }
    return ok_status();
  }
  StatusOr<std::uint64_t> latest_version() override { return version_; }
  StatusOr<std::uint64_t> oldest_version() override { return version_; }
  StatusOr<std::optional<std::uint64_t>> chain_at(std::uint64_t) override { return std::nullopt; }
  StatusOr<std::vector<store::VersionedChange>> changes_after(std::uint64_t, std::size_t) override {
    return std::vector<store::VersionedChange>{};
  }
  StatusOr<std::size_t> compact_change_log(std::size_t) override { return std::size_t{0}; }
  StatusOr<std::size_t> prune_history(domain::Timestamp) override { return std::size_t{0}; }

 private:
  const std::vector<testing::ZoneContents> zones_;
  const std::uint64_t version_;
};

TEST(SnapshotEventsTest, ChunksSplitZonesAndRepeatTheirHeader) {
  std::vector<testing::ZoneContents> zones;
  for (const char* name : {"a.example", "b.example"}) {
    testing::ZoneContents zc;
    zc.zone.name = name;
    for (int i = 0; i < 3; ++i) {
      domain::Record r;
      r.name = str_cat("h", i);
      r.type = "A";
      r.value = "10.0.0.1";
      zc.records.push_back(r);
    }
    zones.push_back(zc);
  }
  ZonesFeedStore two_zones(zones, 9);
  auto read = read_snapshot_events(two_zones, 2, {}, {}, /*size_hint=*/6);
  ASSERT_TRUE(read.ok()) << read.status();
  const std::shared_ptr<SnapshotEvents>& events = *read;
  ASSERT_EQ(events->size(), 3u);  // 6 records, 2 per chunk
  EXPECT_EQ(events->records(), 6u);
  EXPECT_TRUE(events->at(0)->snapshot().first());
  EXPECT_EQ(events->at(0)->snapshot().total_records(), 6u);
  EXPECT_FALSE(events->at(1)->snapshot().first());
  EXPECT_TRUE(events->at(2)->snapshot().last());
  // The middle chunk holds the end of a.example and the start of b.example.
  ASSERT_EQ(events->at(1)->snapshot().zones_size(), 2);
  EXPECT_EQ(events->at(1)->snapshot().zones(0).zone().name(), "a.example");
  EXPECT_EQ(events->at(1)->snapshot().zones(1).zone().name(), "b.example");
  for (std::size_t i = 0; i < events->size(); ++i) EXPECT_EQ(events->at(i)->version(), 9u);
  EXPECT_TRUE(events->complete());
  EXPECT_EQ(events->at(3), nullptr);

  ZonesFeedStore no_zones({}, 2);
  auto empty = read_snapshot_events(no_zones, 2);
  ASSERT_TRUE(empty.ok()) << empty.status();
  ASSERT_EQ((*empty)->size(), 1u);
  EXPECT_TRUE((*empty)->at(0)->snapshot().first());
  EXPECT_TRUE((*empty)->at(0)->snapshot().last());
}

TEST(SnapshotEventsTest, ReadFromTheStoreChunkByChunk) {
  testing::TempDir dir;
  auto store = store::Store::open(dir.file("mcns.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  auto expected = testing::read_snapshot(**store);
  ASSERT_TRUE(expected.ok());
  std::size_t records = 0;
  for (const auto& z : expected->zones) records += z.records.size();
  ASSERT_GT(records, 1u) << "the seed zone has records";

  StoreFeedStore feed_store(**store);
  std::shared_ptr<SnapshotEvents> started;
  std::size_t chunks_seen = 0;
  auto events = read_snapshot_events(
      feed_store, 1, [&](const std::shared_ptr<SnapshotEvents>& s) {
        EXPECT_EQ(s->size(), 0u) << "handed over before its first chunk";
        started = s;
      },
      [&] { ++chunks_seen; }, /*size_hint=*/1234);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(started, *events);
  EXPECT_EQ((*events)->version(), expected->version);
  EXPECT_EQ((*events)->chain(), expected->chain);
  EXPECT_EQ((*events)->records(), records);
  EXPECT_EQ((*events)->size(), records);  // one record per chunk
  EXPECT_EQ(chunks_seen, records);
  EXPECT_TRUE((*events)->complete());
  EXPECT_TRUE((*events)->failure().ok());
  EXPECT_EQ((*events)->at(0)->snapshot().total_records(), 1234u) << "the store keeps no count: the hint";
}

}  // namespace
}  // namespace mcns::control::feed
