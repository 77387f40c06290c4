#pragma once
// One watch stream's position in the change feed, shared between the stream's owner (a
// gRPC reactor, or the DNS listener's ZoneMirror) and the ChangeFeed that wakes it.
//
// Threads: pump(), on_write_done(), cancel(), end() and detach() are called from any
// thread — typically a gRPC reactor's — and never touch the store. A watcher sends only
// what is in memory: the feed's shared ring of recent changes, the changes the feed
// thread read from the log for this watcher (`backlog_`), or a shared snapshot. When its
// next message is none of those, pump() asks the feed thread and returns; the feed thread
// reads, then pumps it again. Where a new watcher starts (resume or snapshot) is decided
// by the feed thread too (ChangeFeed::subscribe).
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/base/status.h"
#include "mcns/v1/sync.pb.h"
#include "services/control/feed/snapshot_events.h"

namespace mcns::control::feed {

class ChangeFeed;

class Watcher : public std::enable_shared_from_this<Watcher> {
 public:
  // `send` is the reactor's StartWrite, `finish` its Finish; both are called with the
  // watcher's lock held (see pump()). They are cleared when the stream is done.
  using Send = std::function<void(const mcns::v1::WatchEvent*)>;
  using Finish = std::function<void(const Status&)>;
  using Cancel = std::function<void()>;  // cancels the call (ServerContext::TryCancel)

  // Made by ChangeFeed::subscribe.
  Watcher(ChangeFeed& feed, std::uint64_t after_version, std::optional<std::uint64_t> after_chain,
          std::string name, Send send, Finish finish, Cancel cancel = {});

  // Sends the next message if none is in flight and it is in memory. Any thread; never
  // blocks on the store.
  void pump();
  // The reactor's write completed (ok=false: the stream is broken).
  void on_write_done(bool ok);
  // The client cancelled: finish as soon as no write is in flight.
  void cancel();
  // Cancels the call when one write has been in flight for longer than `limit`.
  void cancel_if_stalled(std::chrono::steady_clock::time_point now, std::chrono::milliseconds limit);
  // The stream is over (OnDone): never call send/finish again.
  void detach();
  // Ends the stream with `status` (its caller is no longer allowed, or the feed failed
  // to read what it needs). Any thread.
  void end(const Status& status);

  const std::string& name() const noexcept { return name_; }
  std::uint64_t sent_version() const;  // the version the frontend has been brought to

 private:
  friend class ChangeFeed;
  void finish_locked(const Status& status);  // requires mu_
  // From now on the watcher waits for a snapshot (requires mu_).
  void want_snapshot_locked();
  void take_snapshot(std::shared_ptr<const SnapshotEvents> snapshot);

  ChangeFeed& feed_;
  const std::string name_;
  const std::optional<std::uint64_t> after_chain_;  // what the frontend holds at its version

  mutable std::mutex mu_;  // guards everything below
  Send send_;
  Finish finish_;
  Cancel cancel_;
  // False until the feed thread decided where the stream starts (resume or snapshot).
  bool positioned_ = false;
  // The next change is neither in the ring nor in backlog_: the feed thread reads it.
  bool fetch_pending_ = false;
  bool in_flight_ = false;
  bool finished_ = false;
  bool wants_snapshot_ = false;
  bool cancel_pending_ = false;
  std::optional<Status> end_pending_;  // end() while a write was in flight
  EventPtr in_flight_event_;  // keeps the message alive until the write completes
  std::uint64_t next_version_ = 1;
  // Changes from next_version_ on, read from the log by the feed thread for this watcher
  // only (it is behind the ring); at most FeedOptions::replay_batch.
  std::deque<EventPtr> backlog_;
  std::shared_ptr<const SnapshotEvents> snapshot_;
  std::size_t snapshot_pos_ = 0;
  std::chrono::steady_clock::time_point last_write_;
};

}  // namespace mcns::control::feed
