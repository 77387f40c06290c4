#include "services/control/feed/watcher.h"

#include "common/base/log.h"
#include "services/control/feed/change_feed.h"

namespace mcns::control::feed {

using SteadyClock = std::chrono::steady_clock;

Watcher::Watcher(ChangeFeed& feed, std::uint64_t after_version, std::optional<std::uint64_t> after_chain,
                 std::string name, Send send, Finish finish, Cancel cancel)
    : feed_(feed),
      name_(std::move(name)),
      after_chain_(after_chain),
      send_(std::move(send)),
      finish_(std::move(finish)),
      cancel_(std::move(cancel)),
      next_version_(after_version + 1),
      last_write_(SteadyClock::now()) {}

std::uint64_t Watcher::sent_version() const {
  std::lock_guard lock(mu_);
  return next_version_ - 1;
}

// NOTE: send_ (the reactor's StartWrite) and finish_ (Finish) are called with mu_ held,
// so that detach() — called from the reactor's OnDone before it is deleted — cannot
// race with them. gRPC never runs a server reactor's reactions inline from StartWrite or
// Finish, so this cannot deadlock.
void Watcher::pump() {
  std::lock_guard lock(mu_);
  // Not positioned yet, or waiting for the feed thread to read the next change: the feed
  // thread pumps again when it has.
  if (!send_ || in_flight_ || finished_ || !positioned_ || fetch_pending_) return;
  EventPtr event;
  if (snapshot_) {
    event = snapshot_->at(snapshot_pos_);
    if (!event) {  // not read yet: the feed pumps again after the next chunk
      if (Status failed = snapshot_->failure(); !failed.ok()) finish_locked(failed);
      return;
    }
    ++snapshot_pos_;
    if (event->snapshot().last()) {
      next_version_ = snapshot_->version() + 1;
      snapshot_.reset();
      snapshot_pos_ = 0;
    }
  } else if (wants_snapshot_) {
    feed_.request_snapshot();
    return;
  } else if (next_version_ <= feed_.latest()) {
    if (!backlog_.empty() && backlog_.front()->version() == next_version_) {
      event = std::move(backlog_.front());
      backlog_.pop_front();
      ++next_version_;
    } else {
      backlog_.clear();
      switch (feed_.from_memory(next_version_, event)) {
        case ChangeFeed::Lookup::kEvent:
          ++next_version_;
          break;
        case ChangeFeed::Lookup::kSnapshot:
          want_snapshot_locked();
          return;
        case ChangeFeed::Lookup::kMiss:
          fetch_pending_ = true;
          feed_.wake();
          return;
      }
    }
  }
  if (!event) {
    if (SteadyClock::now() - last_write_ < feed_.options().heartbeat_interval) return;
    auto beat = std::make_shared<mcns::v1::WatchEvent>();
    beat->set_version(next_version_ - 1);
    beat->mutable_heartbeat();
    event = std::move(beat);
  }
  in_flight_ = true;
  in_flight_event_ = event;
  last_write_ = SteadyClock::now();
  send_(in_flight_event_.get());
}

void Watcher::want_snapshot_locked() {
  log::info("watch: ", name_, " is too far behind (next version ", next_version_, "); sending a snapshot");
  wants_snapshot_ = true;
  fetch_pending_ = false;
  backlog_.clear();
  feed_.request_snapshot();
}

void Watcher::on_write_done(bool ok) {
  {
    std::lock_guard lock(mu_);
    in_flight_ = false;
    in_flight_event_.reset();
    if (!ok) {
      finish_locked(Status(StatusCode::kCancelled, "write failed: the frontend went away"));
      return;
    }
    if (cancel_pending_) {
      finish_locked(Status(StatusCode::kCancelled, "cancelled by the frontend"));
      return;
    }
    if (end_pending_) {
      finish_locked(*end_pending_);
      return;
    }
  }
  pump();
}

void Watcher::cancel() {
  std::lock_guard lock(mu_);
  if (in_flight_) {
    cancel_pending_ = true;
    return;
  }
  finish_locked(Status(StatusCode::kCancelled, "cancelled by the frontend"));
}

void Watcher::cancel_if_stalled(std::chrono::steady_clock::time_point now, std::chrono::milliseconds limit) {
  std::lock_guard lock(mu_);
  if (!in_flight_ || finished_ || !cancel_ || now - last_write_ < limit) return;
  // The frontend stopped reading: its flow-control window is full. Cancelling makes the
  // pending write fail, which ends the stream; the frontend resyncs when it comes back,
  // and the snapshot it pinned is released.
  log::warn("watch: ", name_, " has not read for ", std::chrono::duration_cast<std::chrono::seconds>(limit).count(),
            " s; ending its stream");
  cancel_();
  cancel_ = nullptr;
}

void Watcher::end(const Status& status) {
  std::lock_guard lock(mu_);
  if (in_flight_) {  // finished when the write completes: never Finish under a write
    end_pending_ = status;
    return;
  }
  finish_locked(status);
}

void Watcher::detach() {
  std::lock_guard lock(mu_);
  send_ = nullptr;
  finish_ = nullptr;
  cancel_ = nullptr;
  finished_ = true;
  snapshot_.reset();
  backlog_.clear();
}

void Watcher::finish_locked(const Status& status) {
  if (finished_ || !finish_) return;
  finished_ = true;
  log::info("watch: ", name_, " closed at version ", next_version_ - 1, ": ", status.to_string());
  finish_(status);
}

void Watcher::take_snapshot(std::shared_ptr<const SnapshotEvents> snapshot) {
  std::lock_guard lock(mu_);
  if (!wants_snapshot_ || finished_) return;
  wants_snapshot_ = false;
  feed_.snapshots_counter_.inc();
  snapshot_ = std::move(snapshot);
  snapshot_pos_ = 0;
}

}  // namespace mcns::control::feed
