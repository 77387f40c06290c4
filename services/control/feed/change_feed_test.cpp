#include "services/control/feed/change_feed.h"

#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "common/base/strings.h"
#include "services/control/feed/commit_zone_for_test.h"
#include "services/control/feed/test_support.h"
#include "services/control/store/sync_mapping.h"
#include "services/control/store/test_support.h"

namespace mcns::control::feed {
namespace {

using namespace std::chrono_literals;
using testing::TestStream;
using testing::ThreadRecordingStore;

class FeedTest : public ::testing::Test {
 protected:
  void SetUp() override { open(FeedOptions{}); }
  // Every test plays the gRPC reactor on its own thread (TestStream): subscribe, pump and
  // on_write_done ran here, and none of them may have read the store.
  void TearDown() override {
    shutdown();
    if (!recorder_) return;
    for (const auto& call : recorder_->calls())
      EXPECT_NE(call.thread, std::this_thread::get_id()) << call.what << " ran on a reactor's thread";
  }

  void open(FeedOptions options) {
    auto s = store::Store::open(dir_.file("mcns.db"));
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
    recorder_ = std::make_unique<ThreadRecordingStore>(*store_);
    options.on_latest = [this](std::uint64_t v) { latest_seen_ = v; };
    feed_ = std::make_unique<ChangeFeed>(*recorder_, registry_, options);
    ASSERT_TRUE(feed_->start().ok());
    recorder_->clear();  // start() reads on the caller's thread, before any stream exists
  }

  void shutdown() {
    if (!feed_) return;
    feed_->stop();
    feed_.reset();
  }

  std::uint64_t commit_zone(const std::string& name, int records = 0) {
    return testing::commit_zone(*store_, *feed_, name, records);
  }

  // Reads a whole snapshot; returns its version and the zone names it carried.
  std::pair<std::uint64_t, std::set<std::string>> read_snapshot(TestStream& s, std::size_t* chunks = nullptr) {
    return testing::read_snapshot_stream([&] { return s.next(); }, chunks);
  }

  // A series' value in the exposition ("name 3"), -1 when absent.
  double metric_value(const std::string& name) const {
    std::string text = registry_.serialize();
    auto at = text.find("\n" + name + " ");
    if (at == std::string::npos) return -1;
    return std::stod(text.substr(at + name.size() + 2));
  }

  std::atomic<std::uint64_t> latest_seen_{0};
  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ThreadRecordingStore> recorder_;
  metrics::Registry registry_;
  std::unique_ptr<ChangeFeed> feed_;
};

TEST_F(FeedTest, AWatcherBehindTheRingIsServedFromTheLogByTheFeedThreadOnly) {
  shutdown();
  FeedOptions options;
  options.ring_capacity = 2;
  options.replay_batch = 2;
  open(options);
  const std::uint64_t first = commit_zone("z0.example");
  for (int i = 1; i < 6; ++i) commit_zone(str_cat("z", i, ".example"));
  const std::uint64_t latest = feed_->latest();
  ASSERT_EQ(latest, first + 5);
  auto chain = *store_->chain_at(first);
  ASSERT_TRUE(chain);

  // After `first`: its next four changes left the ring (it keeps the last two).
  TestStream stream(*feed_, first, *chain);
  for (std::uint64_t want = first + 1; want <= latest; ++want) {
    auto ev = stream.next();
    ASSERT_TRUE(ev && ev->has_change()) << (ev ? ev->DebugString() : "nothing");
    EXPECT_EQ(ev->version(), want);
    EXPECT_EQ(ev->chain(), **store_->chain_at(want));
  }
  EXPECT_EQ(metric_value("mcns_watch_snapshots_total"), 0);

  // The feed thread decided where the stream starts and read the lagging changes, two at
  // a time, from the log; the test's thread (the reactor's) read nothing.
  std::vector<std::uint64_t> fetched;  // changes_after of a batch for this watcher
  bool chain_checked = false;
  for (const auto& call : recorder_->calls()) {
    if (call.what == "changes_after" && call.limit == options.replay_batch) fetched.push_back(call.arg);
    if (call.what == "chain_at" && call.arg == first) chain_checked = true;
  }
  EXPECT_TRUE(chain_checked);
  EXPECT_EQ(fetched, (std::vector<std::uint64_t>{first, first + 2}));
  const auto threads = recorder_->threads();
  ASSERT_EQ(threads.size(), 1u) << "every read on the feed thread";
  EXPECT_NE(*threads.begin(), std::this_thread::get_id());
}

TEST_F(FeedTest, AFrontendWithTheSameHistoryResumesAndOneWithAnotherGetsASnapshot) {
  commit_zone("a.example");
  commit_zone("b.example");
  commit_zone("c.example");
  auto chain2 = *store_->chain_at(2);
  ASSERT_TRUE(chain2);
  auto snapshots = [&] { return metric_value("mcns_watch_snapshots_total"); };
  const double before = snapshots();

  {
    // Same history at version 2: the next change, with the chain value it brings.
    TestStream same(*feed_, 2, *chain2);
    auto ev = same.next();
    ASSERT_TRUE(ev && ev->has_change()) << (ev ? ev->DebugString() : "nothing");
    EXPECT_EQ(ev->version(), 3u);
    ASSERT_TRUE(ev->has_chain());
    EXPECT_EQ(ev->chain(), **store_->chain_at(3));
    EXPECT_EQ(snapshots(), before);
  }
  {
    // Another history with the same version number (a restored backup): a snapshot,
    // carrying this control's chain value for its version.
    TestStream other(*feed_, 2, *chain2 ^ 1);
    auto [version, zones] = read_snapshot(other);
    EXPECT_EQ(version, 3u);
    EXPECT_TRUE(zones.contains("c.example"));
    EXPECT_EQ(snapshots(), before + 1);
  }
  // A version this control cannot vouch for (compacted before it): a snapshot too.
  ASSERT_TRUE(store_->compact_change_log(1).ok());
  TestStream compacted(*feed_, 1, *chain2);
  auto first = compacted.next();
  ASSERT_TRUE(first && first->has_snapshot()) << (first ? first->DebugString() : "nothing");
  EXPECT_EQ(first->chain(), **store_->chain_at(3));
}

TEST_F(FeedTest, VersionZeroGetsASnapshotThenEveryLaterChangeInOrder) {
  TestStream stream(*feed_, 0);
  auto [version, zones] = read_snapshot(stream);
  EXPECT_EQ(version, feed_->latest());
  EXPECT_TRUE(zones.count("svc.mcp.metacircular.net"));  // the seed
  std::uint64_t a = commit_zone("a.example");
  std::uint64_t b = commit_zone("b.example");
  EXPECT_EQ(b, a + 1);
  for (std::uint64_t want : {a, b}) {
    auto ev = stream.next();
    ASSERT_TRUE(ev && ev->has_change()) << (ev ? ev->DebugString() : "nothing");
    EXPECT_EQ(ev->version(), want);
  }
  std::uint64_t c = commit_zone("c.example");
  auto ev = stream.next();
  ASSERT_TRUE(ev && ev->has_change());
  EXPECT_EQ(ev->version(), c);
  EXPECT_EQ(ev->change().ops(0).zone_upsert().name(), "c.example");
}

TEST_F(FeedTest, ChangesCommittedByAnotherProcessAreFound) {
  TestStream stream(*feed_, 0);
  read_snapshot(stream);
  // A second store on the same file, as `mcns-control import` would be: no notify().
  auto other = store::Store::open(dir_.file("mcns.db"));
  ASSERT_TRUE(other.ok());
  auto v = (*other)->write([&](store::WriteTx& tx) -> Status {
    domain::Zone z;
    z.name = "imported.example";
    z.primary_ns = "ns.imported.example.";
    z.admin_email = "hostmaster.imported.example.";
    MCNS_ASSIGN_OR_RETURN(z.id, tx.insert_zone(z));
    mcns::v1::Change change;
    *change.add_ops()->mutable_zone_upsert() = store::to_sync_zone(z);
    return tx.append_change(z.name, change, domain::Timestamp{}, {}).status();
  });
  ASSERT_TRUE(v.ok());
  auto ev = stream.next();
  ASSERT_TRUE(ev && ev->has_change()) << (ev ? ev->DebugString() : "nothing");
  EXPECT_EQ(ev->version(), *v);
  EXPECT_EQ(latest_seen_.load(), *v) << "on_latest tells the store-version gauge about it too";
}

TEST_F(FeedTest, ARecentVersionGetsOnlyTheLaterChanges) {
  std::uint64_t a = commit_zone("a.example");
  std::uint64_t b = commit_zone("b.example");
  TestStream stream(*feed_, a);
  auto ev = stream.next();
  ASSERT_TRUE(ev && ev->has_change()) << (ev ? ev->DebugString() : "nothing");
  EXPECT_EQ(ev->version(), b);
  EXPECT_EQ(ev->change().ops(0).zone_upsert().name(), "b.example");
}

TEST_F(FeedTest, ACompactedVersionGetsASnapshot) {
  std::uint64_t a = commit_zone("a.example");
  commit_zone("b.example");
  commit_zone("c.example");
  ASSERT_TRUE(store_->compact_change_log(1).ok());
  TestStream stream(*feed_, a);
  auto [version, zones] = read_snapshot(stream);
  EXPECT_EQ(version, feed_->latest());
  EXPECT_TRUE(zones.count("c.example"));
}

TEST_F(FeedTest, AVersionAheadOfTheControlGetsASnapshot) {
  TestStream stream(*feed_, feed_->latest() + 100);  // e.g. a database restored from an older backup
  auto [version, zones] = read_snapshot(stream);
  EXPECT_EQ(version, feed_->latest());
}

TEST_F(FeedTest, BigZonesArriveInChunks) {
  shutdown();
  FeedOptions options;
  options.snapshot_chunk_records = 100;
  open(options);
  commit_zone("big.example", 1000);
  auto all = testing::read_snapshot(*store_);
  ASSERT_TRUE(all.ok());
  std::size_t records = 0;
  for (const auto& z : all->zones) records += z.records.size();
  TestStream stream(*feed_, 0);
  std::size_t chunks = 0;
  auto [version, zones] = read_snapshot(stream, &chunks);
  EXPECT_EQ(chunks, (records + 99) / 100);  // full chunks of 100, the seed's records included
  EXPECT_TRUE(zones.count("big.example"));
}

TEST_F(FeedTest, AWatcherTooFarBehindGetsASnapshotInsteadOfAReplay) {
  shutdown();
  FeedOptions options;
  options.max_replay = 3;
  open(options);
  std::uint64_t first = commit_zone("z0.example");
  for (int i = 1; i < 6; ++i) commit_zone(str_cat("z", i, ".example"));
  TestStream stream(*feed_, first);
  auto [version, zones] = read_snapshot(stream);
  EXPECT_EQ(version, feed_->latest());
  EXPECT_EQ(zones.count("z5.example"), 1u);
}

TEST_F(FeedTest, IdleStreamsGetHeartbeatsWithTheirVersion) {
  shutdown();
  FeedOptions options;
  options.heartbeat_interval = 100ms;
  open(options);
  TestStream stream(*feed_, 0);
  auto [version, zones] = read_snapshot(stream);
  auto ev = stream.next();
  ASSERT_TRUE(ev && ev->has_heartbeat()) << (ev ? ev->DebugString() : "nothing");
  EXPECT_EQ(ev->version(), version);
}

TEST_F(FeedTest, StreamsAreCountedAndEndedOnStop) {
  {
    TestStream one(*feed_, 0);
    TestStream two(*feed_, 0);
    read_snapshot(one);
    read_snapshot(two);
    EXPECT_EQ(feed_->watcher_count(), 2u);
    EXPECT_EQ(metric_value("mcns_watch_streams"), 2);
    feed_->stop();
    auto status = one.finished();
    ASSERT_TRUE(status);
    EXPECT_EQ(status->code(), StatusCode::kUnavailable);
    // A stream opened after stop() is ended at once: no feed thread would serve it.
    TestStream late(*feed_, 0);
    status = late.finished(0ms);
    ASSERT_TRUE(status);
    EXPECT_EQ(status->code(), StatusCode::kUnavailable);
  }
  EXPECT_EQ(feed_->watcher_count(), 0u);
  EXPECT_EQ(metric_value("mcns_watch_streams"), 0);
}

}  // namespace
}  // namespace mcns::control::feed
