#pragma once
// Test helpers of the feed and of the services that ride it (header-only, tests only).
//
// TestStream: a watch stream without gRPC. It does what a reactor does: `send` queues the message (StartWrite), and the write completes
// (OnWriteDone → Watcher::on_write_done) on the reading thread when it asks for the next
// message — so the test's thread plays the gRPC reactor's thread.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "services/control/feed/change_feed.h"
#include "services/control/feed/feed_store.h"

namespace mcns::control::testing {

class TestStream {
 public:
  TestStream(feed::ChangeFeed& feed, std::uint64_t after_version,
             std::optional<std::uint64_t> after_chain = std::nullopt, std::string name = "test")
      : feed_(feed) {
    watcher_ = feed_.subscribe(
        after_version, after_chain, std::move(name),
        [this](const mcns::v1::WatchEvent* event) {
          std::lock_guard lock(mu_);
          received_.push_back(*event);
          cv_.notify_all();
        },
        [this](const Status& status) {
          std::lock_guard lock(mu_);
          finished_ = status;
          cv_.notify_all();
        });
  }
  ~TestStream() { feed_.unsubscribe(watcher_); }
  TestStream(const TestStream&) = delete;
  TestStream& operator=(const TestStream&) = delete;

  // Completes the previous write, then waits for the next message; nullopt when the
  // stream finished (see finished()) or nothing came within `timeout`.
  std::optional<mcns::v1::WatchEvent> next(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (write_pending_) {
      write_pending_ = false;
      watcher_->on_write_done(true);
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return !received_.empty() || finished_.has_value(); });
    if (received_.empty()) return std::nullopt;
    mcns::v1::WatchEvent event = std::move(received_.front());
    received_.pop_front();
    write_pending_ = true;
    return event;
  }

  // The status the stream was finished with, waiting up to `timeout` for it; the pending
  // write (if any) completes first.
  std::optional<Status> finished(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (write_pending_) {
      write_pending_ = false;
      watcher_->on_write_done(true);
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [this] { return finished_.has_value(); });
    return finished_;
  }

  feed::Watcher& watcher() { return *watcher_; }

 private:
  feed::ChangeFeed& feed_;
  std::shared_ptr<feed::Watcher> watcher_;
  bool write_pending_ = false;  // the reading thread only
  std::mutex mu_;               // guards the members below
  std::condition_variable cv_;
  std::deque<mcns::v1::WatchEvent> received_;
  std::optional<Status> finished_;
};

// The real store, with a note of the thread of every call the feed makes.
class ThreadRecordingStore final : public feed::FeedStore {
 public:
  explicit ThreadRecordingStore(store::Store& store) : inner_(store) {}

  struct Call {
    std::string what;
    std::uint64_t arg = 0;
    std::size_t limit = 0;  // changes_after's
    std::thread::id thread;
  };
  std::vector<Call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  std::set<std::thread::id> threads() const {
    std::set<std::thread::id> out;
    for (const Call& c : calls()) out.insert(c.thread);
    return out;
  }
  void clear() {
    std::lock_guard lock(mu_);
    calls_.clear();
  }

  StatusOr<std::uint64_t> latest_version() override {
    note("latest_version");
    return inner_.latest_version();
  }
  StatusOr<std::uint64_t> oldest_version() override {
    note("oldest_version");
    return inner_.oldest_version();
  }
  StatusOr<std::optional<std::uint64_t>> chain_at(std::uint64_t version) override {
    note("chain_at", version);
    return inner_.chain_at(version);
  }
  StatusOr<std::vector<store::VersionedChange>> changes_after(std::uint64_t version, std::size_t limit) override {
    note("changes_after", version, limit);
    return inner_.changes_after(version, limit);
  }
  Status stream_snapshot(std::uint64_t& version, std::uint64_t& chain,
                         const std::function<Status(const domain::Zone&)>& on_zone,
                         const std::function<Status(const store::RecordView&)>& on_record) override {
    note("stream_snapshot");
    return inner_.stream_snapshot(version, chain, on_zone, on_record);
  }
  StatusOr<std::size_t> compact_change_log(std::size_t keep_last_n) override {
    note("compact_change_log");
    return inner_.compact_change_log(keep_last_n);
  }
  StatusOr<std::size_t> prune_history(domain::Timestamp before) override {
    note("prune_history");
    return inner_.prune_history(before);
  }

 private:
  void note(std::string what, std::uint64_t arg = 0, std::size_t limit = 0) {
    std::lock_guard lock(mu_);
    calls_.push_back({std::move(what), arg, limit, std::this_thread::get_id()});
  }
  feed::StoreFeedStore inner_;
  mutable std::mutex mu_;  // guards calls_
  std::vector<Call> calls_;
};

// Reads one whole snapshot through `next` (the stream's next message, nullopt when it
// ended); returns its version and the zone names it carried, and the chunk count in
// `chunks`. Every message must be a chunk, the first marked first.
template <typename Next>
std::pair<std::uint64_t, std::set<std::string>> read_snapshot_stream(Next next, std::size_t* chunks = nullptr) {
  std::set<std::string> zones;
  std::uint64_t version = 0;
  std::size_t n = 0;
  while (true) {
    std::optional<mcns::v1::WatchEvent> ev = next();
    EXPECT_TRUE(ev && ev->has_snapshot()) << (ev ? ev->DebugString() : "nothing");
    if (!ev || !ev->has_snapshot()) break;
    EXPECT_EQ(ev->snapshot().first(), n == 0);
    version = ev->version();
    for (const auto& z : ev->snapshot().zones()) zones.insert(z.zone().name());
    ++n;
    if (ev->snapshot().last()) break;
  }
  if (chunks) *chunks = n;
  return {version, zones};
}

}  // namespace mcns::control::testing
