#include "services/control/feed/change_feed.h"

#include <algorithm>

#include "common/base/log.h"
#include "common/base/strings.h"

namespace mcns::control::feed {

using SteadyClock = std::chrono::steady_clock;

void SnapshotEvents::append(EventPtr event, std::size_t records) {
  std::lock_guard lock(mu_);
  complete_ = event->snapshot().last();
  events_.push_back(std::move(event));
  records_ += records;
}

void SnapshotEvents::fail(Status status) {
  std::lock_guard lock(mu_);
  failure_ = std::move(status);
}

EventPtr SnapshotEvents::at(std::size_t index) const {
  std::lock_guard lock(mu_);
  return index < events_.size() ? events_[index] : nullptr;
}

Status SnapshotEvents::failure() const {
  std::lock_guard lock(mu_);
  return failure_;
}

std::size_t SnapshotEvents::size() const {
  std::lock_guard lock(mu_);
  return events_.size();
}

std::size_t SnapshotEvents::records() const {
  std::lock_guard lock(mu_);
  return records_;
}

bool SnapshotEvents::complete() const {
  std::lock_guard lock(mu_);
  return complete_;
}

namespace {

// Cuts a stream of zones and records into snapshot chunk messages of at most
// `chunk_records` records; a zone that spans chunks repeats its header in each. Each
// chunk is appended to `out` as soon as it is full, so it can be sent while later ones
// are still being read. The first chunk carries the total (a sizing hint).
class SnapshotChunker {
 public:
  SnapshotChunker(std::shared_ptr<SnapshotEvents> out, std::size_t chunk_records, std::uint64_t total_records,
                  std::function<void()> on_chunk)
      : out_(std::move(out)), chunk_records_(std::max<std::size_t>(chunk_records, 1)), on_chunk_(std::move(on_chunk)) {
    open_chunk();
    chunk_->mutable_snapshot()->set_total_records(total_records);
  }

  void zone(const domain::Zone& zone) {
    header_ = store::to_sync_zone(zone);
    data_ = chunk_->mutable_snapshot()->add_zones();
    *data_->mutable_zone() = header_;
  }

  mcns::v1::SyncRecord* record() {
    if (in_chunk_ == chunk_records_) {
      flush(false);
      open_chunk();
      data_ = chunk_->mutable_snapshot()->add_zones();
      *data_->mutable_zone() = header_;
    }
    ++in_chunk_;
    return data_->add_records();
  }

  void finish() { flush(true); }

 private:
  void open_chunk() {
    chunk_ = std::make_shared<mcns::v1::WatchEvent>();
    chunk_->set_version(out_->version());
    chunk_->set_chain(out_->chain());
    chunk_->mutable_snapshot()->set_first(first_);
    first_ = false;
    in_chunk_ = 0;
  }
  void flush(bool last) {
    chunk_->mutable_snapshot()->set_last(last);
    out_->append(std::move(chunk_), in_chunk_);
    if (on_chunk_) on_chunk_();
  }

  std::shared_ptr<SnapshotEvents> out_;
  const std::size_t chunk_records_;
  std::function<void()> on_chunk_;
  std::shared_ptr<mcns::v1::WatchEvent> chunk_;
  mcns::v1::ZoneData* data_ = nullptr;
  mcns::v1::SyncZone header_;
  std::size_t in_chunk_ = 0;
  bool first_ = true;
};

}  // namespace

std::shared_ptr<SnapshotEvents> make_snapshot_events(const store::Snapshot& snapshot, std::size_t chunk_records) {
  auto out = std::make_shared<SnapshotEvents>(snapshot.version, snapshot.chain);
  std::uint64_t total = 0;
  for (const auto& contents : snapshot.zones) total += contents.records.size();
  SnapshotChunker chunker(out, chunk_records, total, {});
  for (const auto& contents : snapshot.zones) {
    chunker.zone(contents.zone);
    for (const auto& record : contents.records) *chunker.record() = store::to_sync_record(record);
  }
  chunker.finish();
  return out;
}

StatusOr<std::shared_ptr<SnapshotEvents>> read_snapshot_events(
    store::Store& store, std::size_t chunk_records,
    const std::function<void(const std::shared_ptr<SnapshotEvents>&)>& on_start, const std::function<void()>& on_chunk,
    std::uint64_t size_hint) {
  std::uint64_t version = 0, chain = 0, total = 0;
  std::shared_ptr<SnapshotEvents> out;
  // The record count of the previous snapshot is a good sizing hint for this one.
  const std::uint64_t hint = size_hint;
  std::unique_ptr<SnapshotChunker> chunker;
  // The version is read inside the transaction, before the first zone.
  auto chunker_for = [&]() -> SnapshotChunker& {
    if (!chunker) {
      out = std::make_shared<SnapshotEvents>(version, chain);
      if (on_start) on_start(out);
      chunker = std::make_unique<SnapshotChunker>(out, chunk_records, total ? total : hint, on_chunk);
    }
    return *chunker;
  };
  Status s = store.stream_snapshot(
      version, chain, total,
      [&](const domain::Zone& zone) {
        chunker_for().zone(zone);
        return ok_status();
      },
      [&](const store::RecordView& r) {
        mcns::v1::SyncRecord* rec = chunker_for().record();
        rec->set_id(r.id);
        rec->set_name(r.name.data(), r.name.size());
        rec->set_type(r.type.data(), r.type.size());
        rec->set_value(r.value.data(), r.value.size());
        rec->set_ttl(r.ttl);
        return ok_status();
      });
  if (!s.ok()) {
    if (out) out->fail(s);
    return s;
  }
  chunker_for().finish();
  return out;
}

// ---- Watcher -------------------------------------------------------------------------

Watcher::Watcher(ChangeFeed& feed, std::uint64_t after_version, std::string name, Send send, Finish finish,
                 Cancel cancel)
    : feed_(feed),
      name_(std::move(name)),
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
  if (!send_ || in_flight_ || finished_) return;
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
    Status error;
    switch (feed_.fetch(next_version_, event, error)) {
      case ChangeFeed::Fetch::kEvent:
        ++next_version_;
        break;
      case ChangeFeed::Fetch::kSnapshot:
        log::info("watch: ", name_, " is too far behind (next version ", next_version_, "); sending a snapshot");
        wants_snapshot_ = true;
        feed_.request_snapshot();
        return;
      case ChangeFeed::Fetch::kNone:
        return;
      case ChangeFeed::Fetch::kError:
        finish_locked(error);
        return;
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

// ---- ChangeFeed ----------------------------------------------------------------------

ChangeFeed::ChangeFeed(store::Store& store, metrics::Registry& registry, FeedOptions options)
    : store_(store),
      options_(options),
      streams_gauge_(registry.gauge("mcns_watch_streams", "Open watch streams (connected frontends)")),
      snapshots_counter_(registry.counter("mcns_watch_snapshots_total",
                                          "Full snapshots sent to frontends (a resync; not on an ordinary restart)")) {}

ChangeFeed::~ChangeFeed() { stop(); }

Status ChangeFeed::start() {
  MCNS_ASSIGN_OR_RETURN(std::uint64_t latest, store_.latest_version());
  latest_.store(latest, std::memory_order_release);
  {
    std::lock_guard lock(ring_mu_);
    ring_first_ = latest + 1;
  }
  thread_ = std::thread([this] { run(); });
  return ok_status();
}

void ChangeFeed::stop() {
  std::vector<std::shared_ptr<Watcher>> live;
  {
    std::lock_guard lock(subs_mu_);
    for (auto& w : watchers_)
      if (auto p = w.lock()) live.push_back(std::move(p));
  }
  for (auto& w : live) {
    std::lock_guard lock(w->mu_);
    w->finish_locked(unavailable("mcns-control is shutting down"));
  }
  {
    std::lock_guard lock(wake_mu_);
    stopping_ = true;
  }
  wake_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ChangeFeed::notify(std::uint64_t version) {
  std::uint64_t cur = latest_.load(std::memory_order_relaxed);
  while (version > cur && !latest_.compare_exchange_weak(cur, version, std::memory_order_acq_rel)) {
  }
  if (version > cur && options_.on_latest) options_.on_latest(version);
  {
    std::lock_guard lock(wake_mu_);
    dirty_ = true;
  }
  wake_cv_.notify_one();
}

void ChangeFeed::request_snapshot() {
  {
    std::lock_guard lock(wake_mu_);
    snapshot_wanted_ = true;
    dirty_ = true;
  }
  wake_cv_.notify_one();
}

std::shared_ptr<Watcher> ChangeFeed::subscribe(std::uint64_t after_version, std::optional<std::uint64_t> after_chain,
                                               std::string name, Watcher::Send send, Watcher::Finish finish,
                                               Watcher::Cancel cancel) {
  auto watcher = std::make_shared<Watcher>(*this, after_version, std::move(name), std::move(send), std::move(finish),
                                           std::move(cancel));
  std::uint64_t latest = this->latest();
  auto oldest = store_.oldest_version();
  // Changes alone can bring the frontend up to date only if every change after its
  // version is still in the log and replaying them is cheaper than a snapshot.
  bool snapshot = after_version == 0 || after_version > latest || !oldest.ok() || after_version + 1 < *oldest ||
                  latest - after_version > options_.max_replay;
  // Same version, same history? A restored backup or another database numbers other
  // changes with the same versions; only the chain tells them apart.
  if (!snapshot && after_chain) {
    auto ours = store_.chain_at(after_version);
    if (!ours.ok() || !*ours || **ours != *after_chain) {
      log::info("watch: ", watcher->name(), " has a history this control does not share at version ", after_version,
                " (a restored backup or another database); sending a snapshot");
      snapshot = true;
    }
  }
  watcher->wants_snapshot_ = snapshot;
  {
    std::lock_guard lock(subs_mu_);
    watchers_.push_back(watcher);
  }
  streams_gauge_.inc();
  watcher->pump();
  return watcher;
}

void ChangeFeed::unsubscribe(const std::shared_ptr<Watcher>& watcher) {
  watcher->detach();
  std::lock_guard lock(subs_mu_);
  auto before = watchers_.size();
  std::erase_if(watchers_, [&](const std::weak_ptr<Watcher>& w) {
    auto p = w.lock();
    return !p || p == watcher;
  });
  if (watchers_.size() < before) streams_gauge_.dec(static_cast<double>(before - watchers_.size()));
}

std::size_t ChangeFeed::watcher_count() const {
  std::lock_guard lock(subs_mu_);
  return watchers_.size();
}

ChangeFeed::Fetch ChangeFeed::fetch(std::uint64_t version, EventPtr& out, Status& error) {
  std::uint64_t latest = this->latest();
  if (version > latest) return Fetch::kNone;
  if (latest - version >= options_.max_replay) return Fetch::kSnapshot;
  {
    std::lock_guard lock(ring_mu_);
    if (version >= ring_first_ && version < ring_first_ + ring_.size()) {
      out = ring_[version - ring_first_];
      return Fetch::kEvent;
    }
  }
  // Older than the ring, or newer than the feed thread has read so far: the store.
  auto oldest = store_.oldest_version();
  if (!oldest.ok()) {
    error = oldest.status();
    return Fetch::kError;
  }
  if (version < *oldest) return Fetch::kSnapshot;
  auto changes = store_.changes_after(version - 1, 1);
  if (!changes.ok()) {
    error = changes.status();
    return Fetch::kError;
  }
  if (changes->empty()) return Fetch::kNone;
  if (changes->front().version != version) return Fetch::kSnapshot;  // a hole: start over
  auto event = std::make_shared<mcns::v1::WatchEvent>();
  event->set_version(version);
  event->set_chain(changes->front().chain);
  *event->mutable_change() = std::move(changes->front().change);
  out = std::move(event);
  return Fetch::kEvent;
}

void ChangeFeed::fill_ring() {
  std::uint64_t last;
  {
    std::lock_guard lock(ring_mu_);
    last = ring_first_ + ring_.size() - 1;
  }
  while (last < latest()) {
    auto changes = store_.changes_after(last, 1000);
    if (!changes.ok()) {
      log::warn("feed: reading the change log failed: ", changes.status().to_string());
      return;
    }
    if (changes->empty()) return;
    std::lock_guard lock(ring_mu_);
    for (auto& c : *changes) {
      if (c.version != ring_first_ + ring_.size()) {
        // Not contiguous (cannot happen with one writer; a restored database could):
        // restart the ring there, watchers needing older versions go to the store.
        ring_.clear();
        ring_first_ = c.version;
      }
      auto event = std::make_shared<mcns::v1::WatchEvent>();
      event->set_version(c.version);
      event->set_chain(c.chain);
      *event->mutable_change() = std::move(c.change);
      ring_.push_back(std::move(event));
      last = c.version;
    }
    while (ring_.size() > options_.ring_capacity) {
      ring_.pop_front();
      ++ring_first_;
    }
  }
}

void ChangeFeed::serve_snapshots() {
  std::vector<std::shared_ptr<Watcher>> wanting;
  {
    std::lock_guard lock(subs_mu_);
    for (auto& w : watchers_)
      if (auto p = w.lock()) {
        std::lock_guard wl(p->mu_);
        if (p->wants_snapshot_ && !p->finished_) wanting.push_back(std::move(p));
      }
  }
  if (wanting.empty()) return;
  if (last_snapshot_ && last_snapshot_->complete() && last_snapshot_->version() == latest()) {
    for (auto& w : wanting) w->take_snapshot(last_snapshot_);
    return;
  }
  // Read a new one, handing it to the waiting watchers as soon as it exists and pumping
  // them after every chunk: the first chunks are on the wire while later ones are read.
  auto started = SteadyClock::now();
  auto snapshot = read_snapshot_events(
      store_, options_.snapshot_chunk_records,
      [&](const std::shared_ptr<SnapshotEvents>& s) {
        for (auto& w : wanting) w->take_snapshot(s);
      },
      [&] {
        // Everyone moves on while a big snapshot is read: the watchers waiting for it
        // get its new chunk, the others their changes and heartbeats.
        pump_all();
      },
      last_snapshot_records_);
  if (!snapshot.ok()) {
    log::warn("feed: reading a snapshot failed: ", snapshot.status().to_string());
    for (auto& w : wanting) w->pump();  // they see the failure and end their streams
    return;
  }
  last_snapshot_ = *std::move(snapshot);
  last_snapshot_records_ = last_snapshot_->records();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - started).count();
  log::info("feed: snapshot at version ", last_snapshot_->version(), " (", last_snapshot_->records(), " records, ",
            last_snapshot_->size(), " messages) read in ", ms, " ms");

}

std::vector<std::shared_ptr<Watcher>> ChangeFeed::live_watchers() const {
  std::vector<std::shared_ptr<Watcher>> live;
  std::lock_guard lock(subs_mu_);
  for (auto& w : watchers_)
    if (auto p = w.lock()) live.push_back(std::move(p));
  return live;
}

void ChangeFeed::pump_all() {
  fill_ring();
  auto now = SteadyClock::now();
  for (auto& w : live_watchers()) {
    w->pump();
    w->cancel_if_stalled(now, options_.stall_timeout);
  }
}

void ChangeFeed::run() {
  auto tick = std::min<std::chrono::milliseconds>(options_.heartbeat_interval / 2, std::chrono::milliseconds(1000));
  if (tick.count() <= 0) tick = std::chrono::milliseconds(1);
  auto next_compaction = SteadyClock::now() + options_.compact_interval;
  auto snapshot_kept_until = SteadyClock::now();
  while (true) {
    bool want_snapshot = false;
    {
      std::unique_lock lock(wake_mu_);
      wake_cv_.wait_for(lock, tick, [this] { return stopping_ || dirty_; });
      if (stopping_) break;
      dirty_ = false;
      want_snapshot = std::exchange(snapshot_wanted_, false);
    }
    // Changes committed by another process (mcns-control import) never call notify():
    // the log itself is the truth, read on every tick.
    if (auto latest = store_.latest_version(); latest.ok() && *latest > this->latest()) notify(*latest);
    fill_ring();
    if (want_snapshot) {
      serve_snapshots();
      snapshot_kept_until = SteadyClock::now() + std::chrono::seconds(30);
    }
    // A big snapshot is kept a little while for frontends that reconnect together
    // (after a control restart), then released.
    if (last_snapshot_ && SteadyClock::now() > snapshot_kept_until) last_snapshot_.reset();

    pump_all();

    if (SteadyClock::now() >= next_compaction) {
      next_compaction = SteadyClock::now() + options_.compact_interval;
      auto removed = store_.compact_change_log(options_.keep_log);
      if (!removed.ok()) log::warn("feed: change-log compaction failed: ", removed.status().to_string());
      else if (*removed > 0) log::info("feed: compacted the change log: ", *removed, " old rows removed");
      if (options_.history_keep.count() > 0) {
        auto cut = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now() - options_.history_keep);
        auto pruned = store_.prune_history(cut);
        if (!pruned.ok()) log::warn("feed: history pruning failed: ", pruned.status().to_string());
        else if (*pruned > 0) log::info("feed: removed ", *pruned, " history entries older than [history] keep_days");
      }
    }
  }
}

}  // namespace mcns::control::feed
