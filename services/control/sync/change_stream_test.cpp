#include "services/control/sync/change_stream.h"

#include <gtest/gtest.h>

namespace mcns::control::sync {
namespace {

mcns::v1::WatchEvent change_of(std::initializer_list<const char*> zones) {
  mcns::v1::WatchEvent event;
  event.set_version(7);
  for (const char* zone : zones) {
    auto* add = event.mutable_change()->add_ops()->mutable_record_add();
    add->set_zone(zone);
    add->mutable_record()->set_name("www");
  }
  return event;
}

TEST(ChangeStreamTest, AChangeIsFilteredToTheZoneAsked) {
  auto event = change_of({"a.example", "b.example", "a.example"});
  auto all = to_change_event(event, "");
  EXPECT_EQ(all.version(), 7u);
  EXPECT_EQ(all.ops_size(), 3);
  EXPECT_EQ(all.zone(), "") << "several zones: none named";

  auto a = to_change_event(event, "a.example");
  EXPECT_EQ(a.ops_size(), 2);
  EXPECT_EQ(a.zone(), "a.example");

  auto none = to_change_event(event, "c.example");
  EXPECT_EQ(none.version(), 7u) << "a progress event";
  EXPECT_EQ(none.ops_size(), 0);
  EXPECT_EQ(none.zone(), "");
}

TEST(ChangeStreamTest, HeartbeatsAndSnapshotChunksAreProgressOnly) {
  mcns::v1::WatchEvent beat;
  beat.set_version(9);
  beat.mutable_heartbeat();
  auto out = to_change_event(beat, "");
  EXPECT_EQ(out.version(), 9u);
  EXPECT_EQ(out.ops_size(), 0);

  mcns::v1::WatchEvent chunk;
  chunk.set_version(10);
  chunk.mutable_snapshot()->add_zones()->mutable_zone()->set_name("a.example");
  out = to_change_event(chunk, "a.example");
  EXPECT_EQ(out.version(), 10u);
  EXPECT_EQ(out.ops_size(), 0);
}

}  // namespace
}  // namespace mcns::control::sync
