#include "services/control/feed/fleet.h"

#include "common/base/time.h"

#include <algorithm>
#include <atomic>
#include <ctime>
#include <map>

#include "common/base/strings.h"

namespace mcns::control::feed {
namespace {

constexpr std::size_t kLatestTimes = 65536;  // versions whose commit time is kept

using metrics::label_escape;

std::atomic<FleetRegistry*> g_watch_fleet{nullptr};

// Every change a write-and-wait could be waiting for (a report, a stream opened or
// closed) wakes the waiters, which re-check under the registry's lock.
struct WakeWaiters {
  std::condition_variable& cv;
  ~WakeWaiters() { cv.notify_all(); }
};

}  // namespace

std::string rfc3339(std::chrono::system_clock::time_point t) {
  return format_rfc3339(std::chrono::floor<std::chrono::seconds>(t));
}

FleetRegistry::FleetRegistry(std::chrono::milliseconds keep_disconnected) : keep_disconnected_(keep_disconnected) {}

void FleetRegistry::set_latest(std::uint64_t version) {
  std::lock_guard lock(mu_);
  if (version <= latest_) return;
  latest_ = version;
  latest_times_.emplace_back(version, Clock::now());
  while (latest_times_.size() > kLatestTimes) latest_times_.pop_front();
}

std::uint64_t FleetRegistry::latest() const {
  std::lock_guard lock(mu_);
  return latest_;
}

FleetRegistry::Entry& FleetRegistry::entry_locked(std::string_view peer, std::string_view name) {
  for (auto& e : entries_) {
    if (e->peer != peer) continue;
    // A peer address reused by a new connection after the old one's entry ended.
    if (e->watch_streams == 0 && e->report_streams == 0) {
      *e = Entry{};
      break;
    }
    if (!name.empty()) e->name = std::string(name);
    return *e;
  }
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const auto& e) { return e->peer == peer; });
  if (it == entries_.end()) it = entries_.insert(entries_.end(), std::make_unique<Entry>());
  Entry& e = **it;
  e.peer = std::string(peer);
  e.name = std::string(name);
  e.connected_since = std::chrono::system_clock::now();
  e.first_seen = Clock::now();
  return e;
}

void FleetRegistry::closed_locked(Entry& e) {
  if (e.watch_streams == 0 && e.report_streams == 0) e.disconnected_at = Clock::now();
}

void FleetRegistry::prune_locked(Clock::time_point now) const {
  std::erase_if(entries_, [&](const std::unique_ptr<Entry>& e) {
    return e->watch_streams == 0 && e->report_streams == 0 && now - e->disconnected_at > keep_disconnected_;
  });
}

void FleetRegistry::watch_opened(std::string_view peer, std::string_view name) {
  WakeWaiters wake{changed_};  // declared first: wakes them after the lock is released
  std::lock_guard lock(mu_);
  prune_locked(Clock::now());
  ++entry_locked(peer, name).watch_streams;
}

FleetRegistry::Entry* FleetRegistry::open_entry_locked(std::string_view peer, int Entry::*streams) {
  for (auto& e : entries_)
    if (e->peer == peer && (*e).*streams != 0) return e.get();
  return nullptr;
}

void FleetRegistry::stream_closed(std::string_view peer, int Entry::*streams) {
  WakeWaiters wake{changed_};  // declared first: wakes them after the lock is released
  std::lock_guard lock(mu_);
  if (Entry* e = open_entry_locked(peer, streams)) {
    --((*e).*streams);
    closed_locked(*e);
  }
}

void FleetRegistry::watch_closed(std::string_view peer) { stream_closed(peer, &Entry::watch_streams); }

void FleetRegistry::report_opened(std::string_view peer, std::string_view name) {
  WakeWaiters wake{changed_};  // declared first: wakes them after the lock is released
  std::lock_guard lock(mu_);
  prune_locked(Clock::now());
  Entry& e = entry_locked(peer, name);
  ++e.report_streams;
  e.reports = true;
}

void FleetRegistry::report(std::string_view peer, std::string_view name, std::uint64_t version) {
  WakeWaiters wake{changed_};  // declared first: wakes them after the lock is released
  std::lock_guard lock(mu_);
  Entry* e = open_entry_locked(peer, &Entry::report_streams);
  if (!e) return;
  if (!name.empty()) e->name = std::string(name);
  e->version = version;
  e->last_report = std::chrono::system_clock::now();
}

void FleetRegistry::report_closed(std::string_view peer) { stream_closed(peer, &Entry::report_streams); }

FleetRegistry::Clock::time_point FleetRegistry::behind_since_locked(const Entry& e) const {
  // The first version the frontend lacks is e.version + 1: when did the latest reach it?
  auto it = std::lower_bound(latest_times_.begin(), latest_times_.end(), e.version + 1,
                             [](const auto& p, std::uint64_t v) { return p.first < v; });
  Clock::time_point since = it == latest_times_.end() ? Clock::now() : it->second;
  if (it == latest_times_.begin()) since = std::min(since, started_);  // older than we know
  // Not before the frontend connected: until then nothing was asked of it.
  return std::max(since, e.first_seen);
}

std::vector<FrontendInfo> FleetRegistry::list() const {
  auto now = Clock::now();
  std::lock_guard lock(mu_);
  prune_locked(now);
  std::vector<FrontendInfo> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) {
    FrontendInfo f;
    f.name = e->name;
    f.peer = e->peer;
    f.version = e->version;
    f.connected_since = e->connected_since;
    f.last_report = e->last_report;
    f.connected = e->watch_streams > 0 || e->report_streams > 0;
    f.reports = e->reports;
    if (e->reports && e->version < latest_) {
      f.lag_versions = latest_ - e->version;
      f.lag_seconds = std::chrono::duration<double>(now - behind_since_locked(*e)).count();
    }
    out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(),
            [](const FrontendInfo& a, const FrontendInfo& b) { return std::tie(a.name, a.peer) < std::tie(b.name, b.peer); });
  return out;
}

FleetRegistry::WaitOutcome FleetRegistry::wait_applied(std::uint64_t version, Clock::time_point deadline) const {
  struct Target {
    std::string name, peer;
  };
  std::unique_lock lock(mu_);
  prune_locked(Clock::now());
  std::vector<Target> targets;
  for (const auto& e : entries_)
    if (e->reports) targets.push_back({e->name, e->peer});
  WaitOutcome out;
  out.waited_for = targets.size();
  auto open = [](const Entry& e) { return e.watch_streams > 0 || e.report_streams > 0; };
  auto reached = [&](const Target& t) {
    const Entry* own = nullptr;
    for (const auto& e : entries_)
      if (e->peer == t.peer && e->name == t.name) own = e.get();
    if (own != nullptr && own->version >= version) return true;
    // Still connected: only its own report counts. Two live frontends may share a name
    // (the default is the host name), and one must not answer for the other.
    if (own != nullptr && open(*own)) return false;
    // It lost its stream: the same frontend back on a new connection answers for it.
    for (const auto& e : entries_)
      if (e->name == t.name && e->peer != t.peer && open(*e) && e->reports && e->version >= version) return true;
    return false;
  };
  auto all_reached = [&] { return std::all_of(targets.begin(), targets.end(), reached); };
  if (changed_.wait_until(lock, deadline, all_reached)) return out;
  out.applied = false;
  for (const Target& t : targets)
    if (!reached(t)) out.lagging.push_back(str_cat(t.name, " (", t.peer, ")"));
  return out;
}

void FleetRegistry::register_metrics(metrics::Registry& registry) {
  registry.add_collector([this](std::string& out) {
    auto all = list();
    std::map<std::string, int> names;
    std::size_t connected = 0;
    for (const auto& f : all) {
      if (!f.connected) continue;
      ++connected;
      ++names[f.name];
    }
    out += str_cat("# HELP mcns_frontends_connected Frontends with an open watch or report stream.\n"
                   "# TYPE mcns_frontends_connected gauge\nmcns_frontends_connected ", connected, "\n");
    std::string version_lines, lag_lines;
    for (const auto& f : all) {
      if (!f.connected || !f.reports) continue;
      std::string label = label_escape(names[f.name] > 1 ? str_cat(f.name, "@", f.peer) : f.name);
      version_lines += str_cat("mcns_frontend_version{frontend=\"", label, "\"} ", f.version, "\n");
      lag_lines += str_cat("mcns_frontend_lag_versions{frontend=\"", label, "\"} ", f.lag_versions, "\n");
    }
    out += str_cat("# HELP mcns_frontend_version Last version each reporting frontend applied.\n"
                   "# TYPE mcns_frontend_version gauge\n", version_lines,
                   "# HELP mcns_frontend_lag_versions The control's latest version minus each frontend's.\n"
                   "# TYPE mcns_frontend_lag_versions gauge\n", lag_lines);
  });
}

void set_watch_fleet(FleetRegistry* fleet) { g_watch_fleet.store(fleet, std::memory_order_release); }

const FleetRegistry* process_fleet() { return g_watch_fleet.load(std::memory_order_acquire); }

std::shared_ptr<void> note_watch_stream(std::string_view peer, std::string_view name) {
  FleetRegistry* fleet = g_watch_fleet.load(std::memory_order_acquire);
  if (!fleet) return nullptr;
  fleet->watch_opened(peer, name);
  struct Closer {
    Closer(FleetRegistry* f, std::string p) : fleet(f), peer(std::move(p)) {}
    Closer(const Closer&) = delete;
    Closer& operator=(const Closer&) = delete;
    ~Closer() { fleet->watch_closed(peer); }
    FleetRegistry* fleet;
    std::string peer;
  };
  return std::make_shared<Closer>(fleet, std::string(peer));
}

}  // namespace mcns::control::feed
