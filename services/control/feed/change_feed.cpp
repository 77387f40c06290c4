#include "services/control/feed/change_feed.h"

#include <algorithm>

#include "common/base/log.h"
#include "common/base/strings.h"

namespace mcns::control::feed {

using SteadyClock = std::chrono::steady_clock;

namespace {

// A change-log row as the watch stream sends it.
EventPtr change_event(store::VersionedChange&& c) {
  auto event = std::make_shared<mcns::v1::WatchEvent>();
  event->set_version(c.version);
  event->set_chain(c.chain);
  *event->mutable_change() = std::move(c.change);
  return event;
}

}  // namespace

ChangeFeed::ChangeFeed(store::Store& store, metrics::Registry& registry, FeedOptions options)
    : ChangeFeed(std::make_unique<StoreFeedStore>(store), nullptr, registry, std::move(options)) {}

ChangeFeed::ChangeFeed(FeedStore& store, metrics::Registry& registry, FeedOptions options)
    : ChangeFeed(nullptr, &store, registry, std::move(options)) {}

ChangeFeed::ChangeFeed(std::unique_ptr<FeedStore> owned, FeedStore* store, metrics::Registry& registry,
                       FeedOptions options)
    : owned_store_(std::move(owned)),
      store_(store ? *store : *owned_store_),
      options_(std::move(options)),
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

void ChangeFeed::wake() {
  {
    std::lock_guard lock(wake_mu_);
    dirty_ = true;
  }
  wake_cv_.notify_one();
}

std::shared_ptr<Watcher> ChangeFeed::subscribe(std::uint64_t after_version, std::optional<std::uint64_t> after_chain,
                                               std::string name, Watcher::Send send, Watcher::Finish finish,
                                               Watcher::Cancel cancel) {
  auto watcher = std::make_shared<Watcher>(*this, after_version, after_chain, std::move(name), std::move(send),
                                           std::move(finish), std::move(cancel));
  bool stopping;
  {
    std::lock_guard lock(wake_mu_);
    stopping = stopping_;
  }
  if (stopping) {  // no feed thread will ever position it
    std::lock_guard lock(watcher->mu_);
    watcher->finish_locked(unavailable("mcns-control is shutting down"));
    return watcher;
  }
  {
    std::lock_guard lock(subs_mu_);
    watchers_.push_back(watcher);
  }
  streams_gauge_.inc();
  wake();  // the feed thread positions it, then pumps it
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

ChangeFeed::Lookup ChangeFeed::from_memory(std::uint64_t version, EventPtr& out) const {
  if (const std::uint64_t latest = this->latest(); version <= latest && latest - version >= options_.max_replay)
    return Lookup::kSnapshot;
  std::lock_guard lock(ring_mu_);
  if (version >= ring_first_ && version < ring_first_ + ring_.size()) {
    out = ring_[version - ring_first_];
    return Lookup::kEvent;
  }
  // Older than the ring, or newer than the feed thread has read so far.
  return Lookup::kMiss;
}

void ChangeFeed::serve_watchers() {
  struct Pending {
    std::shared_ptr<Watcher> watcher;
    bool positioned;
    std::uint64_t next_version;
  };
  std::vector<Pending> pending;
  {
    std::lock_guard lock(subs_mu_);
    for (auto& w : watchers_)
      if (auto p = w.lock()) {
        std::lock_guard wl(p->mu_);
        if (p->finished_ || (p->positioned_ && !p->fetch_pending_)) continue;
        pending.push_back({p, p->positioned_, p->next_version_});
      }
  }
  for (auto& [w, positioned, next_version] : pending) {
    if (!positioned) position(*w, next_version - 1);
    else fetch_for(*w, next_version);
  }
}

void ChangeFeed::position(Watcher& w, std::uint64_t after) {
  const std::uint64_t latest = this->latest();
  auto oldest = store_.oldest_version();
  // Changes alone can bring the frontend up to date only if every change after its
  // version is still in the log and replaying them is cheaper than a snapshot.
  bool snapshot = after == 0 || after > latest || !oldest.ok() || after + 1 < *oldest ||
                  latest - after > options_.max_replay;
  // Same version, same history? A restored backup or another database numbers other
  // changes with the same versions; only the chain tells them apart.
  if (!snapshot && w.after_chain_) {
    auto ours = store_.chain_at(after);
    if (!ours.ok() || !*ours || **ours != *w.after_chain_) {
      log::info("watch: ", w.name(), " has a history this control does not share at version ", after,
                " (a restored backup or another database); sending a snapshot");
      snapshot = true;
    }
  }
  std::lock_guard lock(w.mu_);
  w.wants_snapshot_ = snapshot;
  w.positioned_ = true;
}

void ChangeFeed::fetch_for(Watcher& w, std::uint64_t version) {
  EventPtr in_ring;
  bool snapshot = false;
  Status error;
  std::deque<EventPtr> read;
  if (version > latest() || from_memory(version, in_ring) != Lookup::kMiss) {
    // What pump() found missing has reached the ring since (fill_ring runs first), or is
    // beyond max_replay now: pump() sees to it without the store.
  } else if (auto oldest = store_.oldest_version(); !oldest.ok()) {
    error = oldest.status();
  } else if (version < *oldest) {
    snapshot = true;  // compacted away
  } else if (auto changes = store_.changes_after(version - 1, std::max<std::size_t>(options_.replay_batch, 1));
             !changes.ok()) {
    error = changes.status();
  } else if (changes->empty()) {
    return;  // not visible yet: stays pending, tried again at the next round
  } else if (changes->front().version != version) {
    snapshot = true;  // a hole: start over
  } else {
    for (auto& c : *changes) {
      if (c.version != version + read.size()) break;  // a hole later: found when it is next
      read.push_back(change_event(std::move(c)));
    }
  }
  std::lock_guard lock(w.mu_);
  if (!w.fetch_pending_ || w.next_version_ != version) return;  // detached, or moved on
  w.fetch_pending_ = false;
  if (!error.ok()) {
    w.finish_locked(error);  // nothing is in flight while a fetch is pending
  } else if (snapshot) {
    w.want_snapshot_locked();
  } else {
    w.backlog_ = std::move(read);
  }
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
      last = c.version;
      ring_.push_back(change_event(std::move(c)));
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
  serve_watchers();
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
