#pragma once
// Follows mcns-control's SyncService.Watch stream and publishes every applied version to
// the SnapshotHolder the DNS workers read (SPEC section 8, ARCHITECTURE.md "The path of
// a write", steps 5-6).
//
// - Changes are applied only in version order (version == applied + 1); a gap, a bad
//   change or a broken stream makes it reconnect from its last applied version, with
//   capped exponential backoff and jitter.
// - A snapshot (several chunks) replaces everything the control feeds, atomically at its
//   last chunk; zones from the frontend's own zone files are kept (ZoneCatalog).
// - A stream silent for longer than `heartbeat_timeout` is treated as dead.
// - Until the first snapshot nothing is published, so the frontend stays not ready
//   (REFUSED to every query, /readyz 503); afterwards it serves its last data while
//   disconnected.
// - Beside each watch stream it opens SyncService.Report on the same channel and writes
//   its applied version after every snapshot or change and on every heartbeat (SPEC 14).
//   Best-effort: a control that does not take reports (an older release) or a broken
//   report stream is logged once and the watch stream goes on.
// Runs on its own thread; its only link to the workers is the ZoneCatalog, which builds
// and publishes the snapshots (and owns /readyz and the mcns_sync_* metrics).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mcns/v1/sync.pb.h"

#include "common/base/status.h"
#include "services/dns-frontend/watch/change_applier.h"
#include "services/dns-frontend/zonesrc/zone_catalog.h"

namespace grpc {
class Channel;
class ClientContext;
}  // namespace grpc

namespace mcns::frontend::watch {

struct WatchOptions {
  std::string grpc_addr;   // "host:port"; the host is also the TLS name checked
  std::string ca_cert;     // PEM file; empty: system roots
  std::string token_file;  // bearer token, re-read at every connect (rotation)
  std::string frontend_name;  // [control] name: WatchRequest.frontend and FrontendReport.name
  std::chrono::milliseconds backoff_initial{100};
  std::chrono::milliseconds backoff_max{10000};
  std::chrono::milliseconds heartbeat_timeout{25000};
  // Called (once, from the watch thread) when the first snapshot carries a zone that is
  // also served from a zone file: a start-up error (SPEC section 4). The client stops.
  std::function<void(const Status&)> on_fatal;
};

struct WatchState {
  std::uint64_t version = 0;  // last applied version
  // The control's chain value at `version` (absent from a first-release control): sent
  // back on reconnect so that a control with another history sends a full snapshot.
  std::optional<std::uint64_t> chain;
  bool connected = false;     // the stream is up and has delivered a message
  bool ready = false;         // a first snapshot has been applied
  double last_change_age_seconds = -1;  // since the last applied snapshot/change; -1: never
  std::uint64_t snapshots = 0;          // full snapshots applied
  std::uint64_t reconnects = 0;
  std::string last_error;
};

class WatchClient {
 public:
  // `catalog` (with its zone files already loaded) must outlive the client.
  WatchClient(WatchOptions options, zonesrc::ZoneCatalog& catalog);
  // For tests: use this channel instead of building a TLS one from the options.
  void set_channel_for_test(std::shared_ptr<grpc::Channel> channel);
  ~WatchClient();

  void start();
  void stop();  // cancels the stream and joins; idempotent
  WatchState state() const;

 private:
  void run();
  // One connection: returns when the stream ends, fails, is cancelled, or must resync.
  Status stream_once();
  // Applies a snapshot whose first chunk is `event`, reading the rest with `next`, in one
  // catalog replacement. `records`: how many were applied.
  Status apply_snapshot(mcns::v1::WatchEvent& event, const std::function<bool(mcns::v1::WatchEvent&)>& next,
                        bool ready, std::size_t& records);
  std::shared_ptr<grpc::Channel> channel();
  void mark_applied(std::uint64_t version, std::optional<std::uint64_t> chain, bool snapshot);
  void watchdog();
  void set_error(const Status& status);

  const WatchOptions options_;
  zonesrc::ZoneCatalog& catalog_;
  std::set<std::string> file_zones_;

  std::shared_ptr<grpc::Channel> test_channel_;
  std::shared_ptr<grpc::Channel> channel_;  // watch thread only
  std::thread thread_;
  std::thread watchdog_thread_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stopping_ = false;
  bool applied_in_stream_ = false;  // the current stream applied a snapshot or change
  bool resync_next_ = false;        // a change could not be applied: ask for a snapshot
  grpc::ClientContext* active_ = nullptr;  // the stream in progress, for cancel
  grpc::ClientContext* report_active_ = nullptr;  // its report stream, for cancel
  bool report_failure_logged_ = false;
  std::chrono::steady_clock::time_point last_message_;
  std::chrono::steady_clock::time_point last_change_;
  WatchState state_;
};

}  // namespace mcns::frontend::watch
