#pragma once
// The fleet of SPEC 14: which frontends follow this control and which version each one
// serves. Fed by the two streams a frontend opens on one channel (so one peer address):
// SyncService.Watch (watch_opened/watch_closed, a hook in sync/watch_service.cpp) and
// SyncService.Report (report_opened/report/report_closed, sync/report_service.cpp). A
// watch stream without a report stream is a frontend of the first release: listed with
// reports = false and never waited for.
//
// An entry is keyed by peer: two frontends with one name are two entries. When both of
// its streams are gone the entry is kept, connected = false, for `keep_disconnected`
// (60 s: write-and-wait waits for frontends connected within the 60 s before a commit),
// then dropped.
//
// LagSeconds: 0 when the frontend's version is the control's latest; otherwise how long
// the oldest change it has not applied (version + 1) has been committed, as this
// registry saw the latest version move (set_latest). A frontend that stopped reporting
// thus shows a lag that grows from the first write it missed, not from its last report.
//
// Thread-safe; every call is short (one mutex, no I/O).
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/metrics/metrics.h"

namespace mcns::control::feed {

struct FrontendInfo {
  std::string name;
  std::string peer;
  std::uint64_t version = 0;
  std::uint64_t lag_versions = 0;
  double lag_seconds = 0;
  std::chrono::system_clock::time_point connected_since;
  std::optional<std::chrono::system_clock::time_point> last_report;  // none: never reported
  bool connected = false;
  bool reports = false;
};

// "2026-11-30T20:12:28Z" (UTC, whole seconds).
std::string rfc3339(std::chrono::system_clock::time_point t);

class FleetRegistry {
 public:
  using Clock = std::chrono::steady_clock;
  explicit FleetRegistry(std::chrono::milliseconds keep_disconnected = std::chrono::seconds(60));

  // The control's latest committed version (ChangeFeed's on_latest).
  void set_latest(std::uint64_t version);
  std::uint64_t latest() const;

  void watch_opened(std::string_view peer, std::string_view name);
  void watch_closed(std::string_view peer);
  void report_opened(std::string_view peer, std::string_view name);
  void report(std::string_view peer, std::string_view name, std::uint64_t version);
  void report_closed(std::string_view peer);

  // Every entry (connected or within keep_disconnected of its end), by name then peer.
  std::vector<FrontendInfo> list() const;

  // Write-and-wait (SPEC 14). The frontends a write waits for are taken when this is
  // called, right after the commit: every frontend that reports versions and is connected
  // or lost its streams within keep_disconnected. Each must have applied `version`
  // (reported it, or a later one); one that lost its stream counts once a frontend of the
  // same name, reconnected from a new peer, has (one still connected answers only for
  // itself: two live frontends may share a name). Returns when all have, or at `deadline`
  // with those that had not ("name (peer)"). Frontends that do not report are not waited
  // for.
  struct WaitOutcome {
    bool applied = true;
    std::vector<std::string> lagging;  // when !applied
    std::size_t waited_for = 0;        // frontends in the set
  };
  WaitOutcome wait_applied(std::uint64_t version, Clock::time_point deadline) const;

  // mcns_frontends_connected, mcns_frontend_version{frontend}, mcns_frontend_lag_versions
  // {frontend}, computed at scrape time (connected frontends; a name shared by several is
  // told apart as name@peer). The registry must outlive `registry`'s scrapes.
  void register_metrics(metrics::Registry& registry);

 private:
  struct Entry {
    std::string name;
    std::string peer;
    int watch_streams = 0;
    int report_streams = 0;
    bool reports = false;
    std::uint64_t version = 0;
    std::chrono::system_clock::time_point connected_since;
    std::optional<std::chrono::system_clock::time_point> last_report;
    Clock::time_point first_seen;
    Clock::time_point disconnected_at;
  };
  Entry& entry_locked(std::string_view peer, std::string_view name);  // requires mu_
  void closed_locked(Entry& e);                                        // requires mu_
  // The first entry of `peer` with a stream of that kind open (`streams` is
  // &Entry::watch_streams or &Entry::report_streams); null when none. Requires mu_.
  Entry* open_entry_locked(std::string_view peer, int Entry::*streams);
  void stream_closed(std::string_view peer, int Entry::*streams);
  void prune_locked(Clock::time_point now) const;                      // requires mu_
  // When the control first held a version above `version` (for LagSeconds).
  Clock::time_point behind_since_locked(const Entry& e) const;         // requires mu_

  const std::chrono::milliseconds keep_disconnected_;
  mutable std::mutex mu_;  // guards the members below
  mutable std::condition_variable changed_;  // a report or a stream opened or closed
  mutable std::vector<std::unique_ptr<Entry>> entries_;
  std::uint64_t latest_ = 0;
  // (version, when this registry saw the latest version reach it), oldest first; bounded.
  std::deque<std::pair<std::uint64_t, Clock::time_point>> latest_times_;
  Clock::time_point started_ = Clock::now();
};

// The process's registry, set once by mcns-control before it serves (null: none), for the
// two places built without one: the watch-stream hook of sync/watch_service.cpp
// (WatchService predates the registry) and AdminService.ListFrontends (the gRPC server constructs that
// service itself). note_watch_stream's handle calls watch_closed when the stream's
// reactor is destroyed; null when no registry is set.
void set_watch_fleet(FleetRegistry* fleet);
const FleetRegistry* process_fleet();
std::shared_ptr<void> note_watch_stream(std::string_view peer, std::string_view name);

}  // namespace mcns::control::feed
