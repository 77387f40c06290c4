#pragma once
// The control plane's side of SPEC section 8: fans every committed change out to the
// frontends' watch streams.
//
// - notify(version) is called by the domain service after each commit (under the
//   store's writer lock): it only records the version and wakes the feed thread. The
//   feed thread also reads the store's latest version on every tick, for commits made
//   by another process (mcns-control import).
// - The feed thread is the only thread that reads the store (FeedStore): gRPC reactors
//   must not block. It reads each new change ONCE into a bounded ring of ready-to-send
//   WatchEvents shared by every watcher, decides where each new watcher starts, reads
//   the older changes a lagging watcher needs (at most `replay_batch` at a time, kept for
//   that watcher only), reads snapshots, and then pumps the watchers.
// - Each Watcher pulls (watcher.h): one write in flight. A watcher that is too far
//   behind (its next change left the ring and the store's compacted log, or it lags more
//   than `max_replay`) is sent a full snapshot instead, in chunks. So the memory a slow
//   frontend can cost is bounded by one batch of changes (plus a shared snapshot).
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
#include "services/control/feed/feed_store.h"
#include "services/control/feed/snapshot_events.h"
#include "services/control/feed/watcher.h"
#include "services/control/store/store.h"

namespace mcns::control::feed {

struct FeedOptions {
  std::size_t ring_capacity = 8192;             // recent changes kept in memory
  std::size_t max_replay = 50000;               // lag beyond which a snapshot is cheaper
  std::size_t replay_batch = 256;               // older changes read at a time for one watcher
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

class ChangeFeed {
 public:
  ChangeFeed(store::Store& store, metrics::Registry& registry, FeedOptions options = {});
  // The same over any FeedStore (not owned; it must outlive the feed).
  ChangeFeed(FeedStore& store, metrics::Registry& registry, FeedOptions options = {});
  ~ChangeFeed();  // stops the thread; watchers must be finished first (stop())

  // Reads the current latest version (on the caller's thread, before any stream can
  // exist), then starts the feed thread.
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
  // Cheap and non-blocking (a gRPC reactor calls it): the feed thread decides between
  // resuming and a snapshot, then pumps the watcher. After stop(), the watcher is finished
  // at once with UNAVAILABLE.
  std::shared_ptr<Watcher> subscribe(std::uint64_t after_version, std::optional<std::uint64_t> after_chain,
                                     std::string name, Watcher::Send send, Watcher::Finish finish,
                                     Watcher::Cancel cancel = {});
  void unsubscribe(const std::shared_ptr<Watcher>& watcher);
  std::size_t watcher_count() const;

  const FeedOptions& options() const noexcept { return options_; }

 private:
  friend class Watcher;
  ChangeFeed(std::unique_ptr<FeedStore> owned, FeedStore* store, metrics::Registry& registry, FeedOptions options);

  // ---- called by watchers, on any thread; never touch the store ----
  enum class Lookup { kEvent, kSnapshot, kMiss };
  // The change event of `version` from the ring; kSnapshot when the lag is beyond
  // max_replay; kMiss when only the store has it (or nobody yet).
  Lookup from_memory(std::uint64_t version, EventPtr& out) const;
  void request_snapshot();
  void wake();  // a watcher needs the feed thread (to be positioned, or a fetch)

  // ---- feed thread only: the only callers of store_ once start() returned ----
  void run();
  void fill_ring();
  std::vector<std::shared_ptr<Watcher>> live_watchers() const;
  // Refills the ring, positions new watchers, reads what lagging ones need, pumps every
  // watcher and cuts off stalled ones.
  void pump_all();
  void serve_watchers();
  // Decides where a new watcher starts: resume after `after` or a snapshot.
  void position(Watcher& w, std::uint64_t after);
  // Reads the changes from `version` on that `w` needs and are not in the ring.
  void fetch_for(Watcher& w, std::uint64_t version);
  void serve_snapshots();

  std::unique_ptr<FeedStore> owned_store_;  // when built over a store::Store
  FeedStore& store_;
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
  bool dirty_ = false;                   // notify(), wake() or a snapshot request happened
  bool snapshot_wanted_ = false;

  std::shared_ptr<SnapshotEvents> last_snapshot_;  // feed thread only
  std::uint64_t last_snapshot_records_ = 0;        // feed thread only; a sizing hint
  std::thread thread_;
};

}  // namespace mcns::control::feed
