#pragma once
// The control plane's side of SPEC section 8: fans every committed change out to the
// frontends' watch streams.
//
// - notify(version) is called by the domain service after each commit (under the
//   store's writer lock): it only records the version and wakes the feed thread. The
//   feed thread also reads the store's latest version on every tick, for commits made
//   by another process (mcns-control import).
// - The feed thread reads each new change from the store ONCE into a bounded ring of
//   ready-to-send WatchEvents shared by every watcher, then pumps the watchers.
// - Each Watcher pulls: one write in flight, never a private queue. A watcher that is
//   too far behind (its next change left the ring and the store's compacted log, or it
//   lags more than `max_replay`) is sent a full snapshot instead, in chunks. So the
//   memory a slow frontend can cost is bounded by one message (plus a shared snapshot).
// - Heartbeats go to any watcher idle for `heartbeat_interval`; a watcher that has not
//   taken a message for `stall_timeout` is cut off.
// - Every `compact_interval` the change log is compacted to its last `keep_log` rows.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/base/status.h"
#include "common/metrics/metrics.h"
#include "mcns/v1/sync.pb.h"
#include "services/control/store/store.h"

namespace mcns::control::feed {

struct FeedOptions {
  std::size_t ring_capacity = 8192;             // recent changes kept in memory
  std::size_t max_replay = 50000;               // lag beyond which a snapshot is cheaper
  std::size_t snapshot_chunk_records = 5000;    // records per snapshot message
  std::chrono::milliseconds heartbeat_interval{5000};
  std::size_t keep_log = 100000;                // change-log rows kept by compaction
  std::chrono::milliseconds compact_interval{60000};
  // History entries (SPEC 14) older than this are removed at each compaction; 0 keeps
  // them forever. Independent of keep_log.
  std::chrono::hours history_keep{24 * 90};
  // A frontend that has not taken a message for this long is cut off (it resyncs when it
  // reads again); it must not pin a snapshot's memory forever.
  std::chrono::milliseconds stall_timeout{60000};
  // Told every new latest version, whoever committed it (this process or an import run
  // beside it): the mcns_store_version gauge. Must be cheap.
  std::function<void(std::uint64_t)> on_latest;
};

using EventPtr = std::shared_ptr<const mcns::v1::WatchEvent>;

// A full snapshot as the messages that carry it, shared by every watcher that needs it.
// It grows while the feed reads it from the store: watchers send the chunks already
// there while later ones are still being read, so the frontend builds while the control
// reads. Thread-safe.
class SnapshotEvents {
 public:
  SnapshotEvents(std::uint64_t version, std::uint64_t chain) : version_(version), chain_(chain) {}
  std::uint64_t version() const noexcept { return version_; }
  std::uint64_t chain() const noexcept { return chain_; }

  // Producer (the feed thread).
  void append(EventPtr event, std::size_t records);
  void fail(Status status);

  // Chunk `index`, or null when it is not there yet (see failed()).
  EventPtr at(std::size_t index) const;
  // The reading failed: no more chunks will come.
  Status failure() const;
  std::size_t size() const;
  std::size_t records() const;
  bool complete() const;  // the last chunk is in

 private:
  const std::uint64_t version_;
  const std::uint64_t chain_;
  mutable std::mutex mu_;  // guards the members below
  std::vector<EventPtr> events_;
  std::size_t records_ = 0;
  bool complete_ = false;
  Status failure_;
};

// Splits a store snapshot into chunk messages of at most `chunk_records` records.
std::shared_ptr<SnapshotEvents> make_snapshot_events(const store::Snapshot& snapshot, std::size_t chunk_records);
// The same, streamed straight from the store in one read transaction (no intermediate
// copy of every record): what the feed sends. `on_start` gets the (still empty) result as
// soon as its version is known, `on_chunk` runs after each chunk is appended.
StatusOr<std::shared_ptr<SnapshotEvents>> read_snapshot_events(
    store::Store& store, std::size_t chunk_records,
    const std::function<void(const std::shared_ptr<SnapshotEvents>&)>& on_start = {},
    const std::function<void()>& on_chunk = {}, std::uint64_t size_hint = 0);

class ChangeFeed;

// One watch stream's position, shared between the gRPC reactor (which owns the stream)
// and the feed (which wakes it). `send` is the reactor's StartWrite; it is cleared when
// the stream is done.
class Watcher : public std::enable_shared_from_this<Watcher> {
 public:
  using Send = std::function<void(const mcns::v1::WatchEvent*)>;
  using Finish = std::function<void(const Status&)>;
  using Cancel = std::function<void()>;  // cancels the call (ServerContext::TryCancel)

  Watcher(ChangeFeed& feed, std::uint64_t after_version, std::string name, Send send, Finish finish,
          Cancel cancel = {});

  // Sends the next message if none is in flight. Any thread.
  void pump();
  // The reactor's write completed (ok=false: the stream is broken).
  void on_write_done(bool ok);
  // The client cancelled: finish as soon as no write is in flight.
  void cancel();
  // Cancels the call when one write has been in flight for longer than `limit`.
  void cancel_if_stalled(std::chrono::steady_clock::time_point now, std::chrono::milliseconds limit);
  // The stream is over (OnDone): never call send/finish again.
  void detach();
  // Ends the stream with `status` (its caller is no longer allowed). Any thread.
  void end(const Status& status);

  const std::string& name() const noexcept { return name_; }
  std::uint64_t sent_version() const;  // the version the frontend has been brought to

 private:
  friend class ChangeFeed;
  void finish_locked(const Status& status);  // requires mu_
  void take_snapshot(std::shared_ptr<const SnapshotEvents> snapshot);

  ChangeFeed& feed_;
  const std::string name_;

  mutable std::mutex mu_;  // guards everything below
  Send send_;
  Finish finish_;
  Cancel cancel_;
  bool in_flight_ = false;
  bool finished_ = false;
  bool wants_snapshot_ = false;
  bool cancel_pending_ = false;
  std::optional<Status> end_pending_;  // end() while a write was in flight
  EventPtr in_flight_event_;  // keeps the message alive until the write completes
  std::uint64_t next_version_ = 1;
  std::shared_ptr<const SnapshotEvents> snapshot_;
  std::size_t snapshot_pos_ = 0;
  std::chrono::steady_clock::time_point last_write_;
};

class ChangeFeed {
 public:
  ChangeFeed(store::Store& store, metrics::Registry& registry, FeedOptions options = {});
  ~ChangeFeed();  // stops the thread; watchers must be finished first (stop())

  // Starts the feed thread (reads the current latest version first).
  Status start();
  // Ends every watch stream with UNAVAILABLE and stops the thread.
  void stop();

  // After each commit. Cheap; any thread.
  void notify(std::uint64_t version);
  std::uint64_t latest() const noexcept { return latest_.load(std::memory_order_acquire); }

  // Registers a new watch stream positioned after `after_version`. `after_chain` is the
  // chain value the frontend holds for that version: when this control's history has
  // another one there (or none), the frontend's history is not this control's and it is
  // sent a full snapshot. Without it the version alone is trusted (older frontends).
  std::shared_ptr<Watcher> subscribe(std::uint64_t after_version, std::optional<std::uint64_t> after_chain,
                                     std::string name, Watcher::Send send, Watcher::Finish finish,
                                     Watcher::Cancel cancel = {});
  void unsubscribe(const std::shared_ptr<Watcher>& watcher);
  std::size_t watcher_count() const;

  const FeedOptions& options() const noexcept { return options_; }

 private:
  friend class Watcher;
  enum class Fetch { kEvent, kNone, kSnapshot, kError };
  // The change event of `version`: from the ring, else from the store.
  Fetch fetch(std::uint64_t version, EventPtr& out, Status& error);
  void request_snapshot();
  void run();
  void fill_ring();
  std::vector<std::shared_ptr<Watcher>> live_watchers() const;
  // Refills the ring, pumps every watcher and cuts off stalled ones.
  void pump_all();
  void serve_snapshots();

  store::Store& store_;
  const FeedOptions options_;
  metrics::Gauge& streams_gauge_;
  metrics::Counter& snapshots_counter_;  // full snapshots started, by any watcher
  std::atomic<std::uint64_t> latest_{0};

  mutable std::mutex ring_mu_;           // guards ring_, ring_first_
  std::deque<EventPtr> ring_;            // versions ring_first_ .. ring_first_ + size - 1
  std::uint64_t ring_first_ = 1;

  mutable std::mutex subs_mu_;           // guards watchers_; taken before any Watcher::mu_
  std::vector<std::weak_ptr<Watcher>> watchers_;

  std::mutex wake_mu_;                   // guards the flags below
  std::condition_variable wake_cv_;
  bool stopping_ = false;
  bool dirty_ = false;                   // notify() or a snapshot request happened
  bool snapshot_wanted_ = false;

  std::shared_ptr<SnapshotEvents> last_snapshot_;  // feed thread only
  std::uint64_t last_snapshot_records_ = 0;        // feed thread only; a sizing hint
  std::thread thread_;
};

}  // namespace mcns::control::feed
