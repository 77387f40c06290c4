#pragma once
// The zone-source interface of mcns-dns (SPEC sections 4 and 8).
//
// Two sources feed the snapshot the DNS workers serve:
//   - [zones] files, loaded once at start-up (load_files(), zone_file.h);
//   - the control plane's watch stream (services/dns-frontend/watch/), through
//     replace_control_zones() for a full snapshot and apply_control_change() for one
//     change. Both hand the watch client a ControlZoneEditor.
// ZoneCatalog combines them into one ZoneSet and publishes it to the SnapshotHolder.
// A zone may come from one source only: a zone in both is an error (ALREADY_EXISTS
// naming the zone and the file), at start-up or when the feed brings it.
//
// Readiness (SPEC section 8): standalone, the frontend is ready once the files are
// loaded (even with no file at all); with [control], nothing is published — the workers
// answer REFUSED for everything — until the first full snapshot from the control plane
// has been applied; file zones are published together with it.
//
// Threads: every method is thread-safe; edits are serialised by an internal mutex. The
// watch client calls from gRPC's threads, /readyz and the metrics from the HTTP thread.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/metrics/metrics.h"
#include "common/zone/snapshot_holder.h"
#include "common/zone/zone_set_builder.h"
#include "services/dns-frontend/zonesrc/zone_file.h"

namespace mcns::frontend::zonesrc {

// The builder operations the control feed may use, restricted to zones the control plane
// owns: touching a zone served from a file fails with ALREADY_EXISTS (upsert) or
// FAILED_PRECONDITION (records, delete). Names and RDATA as in zone_set_builder.h.
class ControlZoneEditor {
 public:
  Status upsert_zone(std::string_view zone, const zone::SoaParams& soa);
  Status delete_zone(std::string_view zone);
  Status clear_zone(std::string_view zone);
  Status add_record(std::string_view zone, std::string_view owner, std::uint16_t type, std::uint32_t ttl,
                    std::span<const std::uint8_t> rdata);
  Status remove_record(std::string_view zone, std::string_view owner, std::uint16_t type,
                       std::span<const std::uint8_t> rdata);
  // Hint before a bulk load (a full snapshot): about how many records will be added.
  void reserve(std::size_t records) { builder_.reserve(records); }

 private:
  friend class ZoneCatalog;
  ControlZoneEditor(zone::ZoneSetBuilder& builder, const std::map<std::string, std::string>& file_zones,
                    std::set<std::string>& control_zones)
      : builder_(builder), file_zones_(file_zones), control_zones_(control_zones) {}
  Status check_owned(std::string_view zone, std::string* canonical) const;

  zone::ZoneSetBuilder& builder_;
  const std::map<std::string, std::string>& file_zones_;  // zone -> file
  std::set<std::string>& control_zones_;
  // The last zone checked (as given and canonical): a snapshot repeats it per record.
  mutable std::string last_zone_in_, last_zone_;
  std::string scratch_zone_;
};

class ZoneCatalog {
 public:
  using Edit = std::function<Status(ControlZoneEditor&)>;

  // `wait_for_control`: [control] is configured, so the first publication waits for the
  // control plane's first snapshot.
  ZoneCatalog(zone::SnapshotHolder& holder, bool wait_for_control);
  ZoneCatalog(const ZoneCatalog&) = delete;
  ZoneCatalog& operator=(const ZoneCatalog&) = delete;

  // Start-up, once: parses and validates every file (zone_file.h), then publishes them
  // (standalone) or keeps them for the first control snapshot. Errors name the file and
  // line; nothing is published then.
  Status load_files(const std::vector<std::string>& paths);
  std::vector<ZoneFileInfo> files() const;

  // ---- The watch client's hook ---------------------------------------------------------
  // A full snapshot at `version`: every control zone is replaced by what `fill` adds
  // (zones it does not add disappear). On error nothing changes and nothing is published.
  Status replace_control_zones(std::uint64_t version, const Edit& fill);
  // One change at `version` (the watch client has checked it is the next one), applied to
  // the current snapshot; only the shards it touches are rebuilt. On error nothing changes.
  Status apply_control_change(std::uint64_t version, const Edit& change);
  // The stream's state, for /readyz and mcns_sync_connected.
  void set_connected(bool connected) noexcept { connected_.store(connected, std::memory_order_relaxed); }
  // A snapshot or change the control sent could not be applied (the frontend keeps its
  // last data): counted in mcns_sync_apply_errors_total and shown on /readyz until the
  // next successful apply. `what` names the change and the reason.
  void report_apply_error(std::string what);
  // -------------------------------------------------------------------------------------

  // True once a snapshot was published (the workers answer from zones).
  bool ready() const;
  std::uint64_t version() const noexcept { return version_.load(std::memory_order_relaxed); }
  bool connected() const noexcept { return connected_.load(std::memory_order_relaxed); }
  // Seconds since the last publication; negative when nothing was published yet.
  double last_change_age_seconds() const noexcept;
  // {"version":N,"connected":bool,"last_change_age_seconds":x} (x is -1 before the first),
  // plus "apply_error":"..." while the last change could not be applied.
  std::string readyz_json() const;

  // Adds mcns_sync_connected, mcns_sync_version and mcns_zone_records{zone} at scrape
  // time. The registry must stop serving before the catalog is destroyed.
  void register_metrics(metrics::Registry& registry);

  // Frees snapshots no worker holds any more (SnapshotHolder::sweep); call every second
  // or so from a non-worker thread.
  void sweep() { holder_.sweep(); }

 private:
  void publish_locked(zone::ZoneSetPtr next);

  zone::SnapshotHolder& holder_;
  const bool wait_for_control_;
  mutable std::mutex mu_;
  std::map<std::string, std::string> file_zones_;  // guarded by mu_; zone -> file path
  std::vector<ZoneFileInfo> files_;                // guarded by mu_
  zone::ZoneSetPtr file_base_;                     // guarded by mu_; the file zones alone
  std::set<std::string> control_zones_;            // guarded by mu_
  bool control_snapshot_seen_ = false;             // guarded by mu_
  std::atomic<std::uint64_t> version_{0};
  std::atomic<bool> connected_{false};
  std::atomic<std::int64_t> last_change_ns_{-1};   // steady clock; -1: never
  std::atomic<std::uint64_t> apply_errors_{0};
  std::string apply_error_;                        // guarded by mu_; empty after a good apply
};

}  // namespace mcns::frontend::zonesrc
