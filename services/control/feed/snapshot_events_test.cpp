#include "services/control/feed/snapshot_events.h"

#include <gtest/gtest.h>

#include "common/base/strings.h"
#include "services/control/store/test_support.h"

namespace mcns::control::feed {
namespace {

TEST(SnapshotEventsTest, ChunksSplitZonesAndRepeatTheirHeader) {
  store::Snapshot snap;
  snap.version = 9;
  for (const char* name : {"a.example", "b.example"}) {
    store::ZoneContents zc;
    zc.zone.name = name;
    for (int i = 0; i < 3; ++i) {
      domain::Record r;
      r.name = str_cat("h", i);
      r.type = "A";
      r.value = "10.0.0.1";
      zc.records.push_back(r);
    }
    snap.zones.push_back(zc);
  }
  auto events = make_snapshot_events(snap, 2);
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

  auto empty = make_snapshot_events(store::Snapshot{}, 2);
  ASSERT_EQ(empty->size(), 1u);
  EXPECT_TRUE(empty->at(0)->snapshot().first());
  EXPECT_TRUE(empty->at(0)->snapshot().last());
}

TEST(SnapshotEventsTest, ReadFromTheStoreChunkByChunk) {
  testing::TempDir dir;
  auto store = store::Store::open(dir.file("mcns.db"));
  ASSERT_TRUE(store.ok()) << store.status();
  auto expected = (*store)->read_snapshot();
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
