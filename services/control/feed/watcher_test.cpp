#include "services/control/feed/watcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "common/base/strings.h"
#include "services/control/feed/change_feed.h"
#include "services/control/store/sync_mapping.h"
#include "services/control/store/test_support.h"

namespace mcns::control::feed {
namespace {

using namespace std::chrono_literals;

// A watcher driven by hand: the test decides when each write completes.
class WatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { open(FeedOptions{}); }
  void TearDown() override {
    if (watcher_) feed_->unsubscribe(watcher_);
    feed_->stop();
  }

  void open(FeedOptions options) {
    if (feed_) feed_->stop();
    auto s = store::Store::open(dir_.file("mcns.db"));
    ASSERT_TRUE(s.ok()) << s.status();
    store_ = *std::move(s);
    feed_ = std::make_unique<ChangeFeed>(*store_, registry_, options);
    ASSERT_TRUE(feed_->start().ok());
  }

  // Subscribes caught up (after the latest version, not 0): no snapshot.
  void subscribe() {
    commit();
    watcher_ = feed_->subscribe(
        feed_->latest(), std::nullopt, "test",
        [this](const mcns::v1::WatchEvent* event) {
          std::lock_guard lock(mu_);
          sent_.push_back(event->version());
          cv_.notify_all();
        },
        [this](const Status& status) {
          std::lock_guard lock(mu_);
          finished_ = status;
          cv_.notify_all();
        },
        [this] { cancels_++; });
  }

  std::uint64_t commit() {
    auto v = store_->write(
        [&](store::WriteTx& tx) -> Status {
          domain::Zone z;
          z.name = str_cat("z", ++zones_, ".example");
          z.primary_ns = str_cat("ns.", z.name, ".");
          z.admin_email = str_cat("hostmaster.", z.name, ".");
          MCNS_ASSIGN_OR_RETURN(z.id, tx.insert_zone(z));
          mcns::v1::Change change;
          *change.add_ops()->mutable_zone_upsert() = store::to_sync_zone(z);
          return tx.append_change(z.name, change, domain::Timestamp{}, {}).status();
        },
        [&](std::uint64_t version) { feed_->notify(version); });
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : 0;
  }

  // Waits until `n` messages were sent (or 10 s).
  std::size_t wait_sent(std::size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, 10s, [&] { return sent_.size() >= n; });
    return sent_.size();
  }
  std::size_t sent_count() {
    std::lock_guard lock(mu_);
    return sent_.size();
  }
  std::optional<Status> finished(std::chrono::milliseconds wait = 0ms) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return finished_.has_value(); });
    return finished_;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  metrics::Registry registry_;
  std::unique_ptr<ChangeFeed> feed_;
  std::shared_ptr<Watcher> watcher_;
  int zones_ = 0;
  std::atomic<int> cancels_{0};
  std::mutex mu_;  // guards the members below
  std::condition_variable cv_;
  std::vector<std::uint64_t> sent_;
  std::optional<Status> finished_;
};

TEST_F(WatcherTest, OneWriteIsInFlightAtATime) {
  subscribe();
  std::uint64_t a = commit();
  std::uint64_t b = commit();
  ASSERT_EQ(wait_sent(1), 1u);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(sent_count(), 1u) << "the second change waits for the first write";
  EXPECT_EQ(watcher_->sent_version(), a);
  watcher_->on_write_done(true);
  ASSERT_EQ(wait_sent(2), 2u);
  std::lock_guard lock(mu_);
  EXPECT_EQ(sent_, (std::vector<std::uint64_t>{a, b}));
}

TEST_F(WatcherTest, EndWaitsForTheWriteInFlight) {
  subscribe();
  commit();
  ASSERT_EQ(wait_sent(1), 1u);
  watcher_->end(permission_denied("no longer allowed"));
  EXPECT_FALSE(finished()) << "never Finish under a write";
  watcher_->on_write_done(true);
  auto status = finished();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code(), StatusCode::kPermissionDenied);
}

TEST_F(WatcherTest, ACancelWaitsForTheWriteInFlight) {
  subscribe();
  commit();
  ASSERT_EQ(wait_sent(1), 1u);
  watcher_->cancel();
  EXPECT_FALSE(finished());
  watcher_->on_write_done(true);
  auto status = finished();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code(), StatusCode::kCancelled);
}

TEST_F(WatcherTest, AFailedWriteEndsTheStream) {
  subscribe();
  commit();
  ASSERT_EQ(wait_sent(1), 1u);
  watcher_->on_write_done(false);
  auto status = finished();
  ASSERT_TRUE(status);
  EXPECT_EQ(status->code(), StatusCode::kCancelled);
}

TEST_F(WatcherTest, ADetachedWatcherSendsNothingMore) {
  subscribe();
  commit();
  ASSERT_EQ(wait_sent(1), 1u);
  watcher_->detach();
  watcher_->on_write_done(true);
  commit();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(sent_count(), 1u);
  EXPECT_FALSE(finished());
}

TEST_F(WatcherTest, AStalledStreamIsCancelled) {
  FeedOptions options;
  options.stall_timeout = 50ms;
  options.heartbeat_interval = 100ms;  // the feed thread ticks every 50 ms
  open(options);
  subscribe();
  commit();
  ASSERT_EQ(wait_sent(1), 1u);
  // The write never completes: the frontend stopped reading.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (cancels_ == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(cancels_, 1);
}

}  // namespace
}  // namespace mcns::control::feed
