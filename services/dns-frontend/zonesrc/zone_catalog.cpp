#include "services/dns-frontend/zonesrc/zone_catalog.h"

#include <cstdio>

#include "common/base/strings.h"
#include "common/dns/name.h"

namespace mcns::frontend::zonesrc {

namespace {

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

Status both_sources(const std::string& zone, const std::string& file) {
  return already_exists(str_cat("zone \"", zone, "\" is served from [zones] files (", file,
                                ") and by the control plane; a zone may come from one source only"));
}

using metrics::label_escape;

}  // namespace

// ---------------------------------------------------------------------------------------
// ControlZoneEditor

Status ControlZoneEditor::check_owned(std::string_view zone, std::string* canonical) const {
  // A snapshot names the same zone for thousands of records in a row.
  if (!last_zone_in_.empty() && zone == last_zone_in_) {
    *canonical = last_zone_;
    return ok_status();
  }
  MCNS_ASSIGN_OR_RETURN(*canonical, dns::canonical_zone_name(zone));
  if (auto it = file_zones_.find(*canonical); it != file_zones_.end())
    return failed_precondition(
        str_cat("zone \"", *canonical, "\" is served from [zones] files (", it->second, "), not by the control plane"));
  last_zone_in_ = std::string(zone);
  last_zone_ = *canonical;
  return ok_status();
}

Status ControlZoneEditor::upsert_zone(std::string_view zone, const zone::SoaParams& soa) {
  MCNS_ASSIGN_OR_RETURN(std::string canonical, dns::canonical_zone_name(zone));
  if (auto it = file_zones_.find(canonical); it != file_zones_.end()) return both_sources(canonical, it->second);
  MCNS_RETURN_IF_ERROR(builder_.upsert_zone(canonical, soa));
  control_zones_.insert(canonical);
  return ok_status();
}

Status ControlZoneEditor::delete_zone(std::string_view zone) {
  std::string canonical;
  MCNS_RETURN_IF_ERROR(check_owned(zone, &canonical));
  MCNS_RETURN_IF_ERROR(builder_.delete_zone(canonical));
  control_zones_.erase(canonical);
  return ok_status();
}

Status ControlZoneEditor::clear_zone(std::string_view zone) {
  std::string canonical;
  MCNS_RETURN_IF_ERROR(check_owned(zone, &canonical));
  return builder_.clear_zone(canonical);
}

Status ControlZoneEditor::add_record(std::string_view zone, std::string_view owner, std::uint16_t type,
                                     std::uint32_t ttl, std::span<const std::uint8_t> rdata) {
  MCNS_RETURN_IF_ERROR(check_owned(zone, &scratch_zone_));
  return builder_.add_record(scratch_zone_, owner, type, ttl, rdata);
}

Status ControlZoneEditor::remove_record(std::string_view zone, std::string_view owner, std::uint16_t type,
                                        std::span<const std::uint8_t> rdata) {
  std::string canonical;
  MCNS_RETURN_IF_ERROR(check_owned(zone, &canonical));
  return builder_.remove_record(canonical, owner, type, rdata);
}

// ---------------------------------------------------------------------------------------
// ZoneCatalog

ZoneCatalog::ZoneCatalog(zone::SnapshotHolder& holder, bool wait_for_control)
    : holder_(holder), wait_for_control_(wait_for_control) {}

Status ZoneCatalog::load_files(const std::vector<std::string>& paths) {
  std::lock_guard lock(mu_);
  if (control_snapshot_seen_) return failed_precondition("zone files are loaded before the control feed starts");
  zone::ZoneSetBuilder builder;
  std::map<std::string, std::string> zones;
  std::vector<ZoneFileInfo> infos;
  for (const std::string& path : paths) {
    auto check = [&](const std::string& zone) -> Status {
      if (auto it = zones.find(zone); it != zones.end())
        return already_exists(str_cat("zone \"", zone, "\" is already loaded from ", it->second));
      if (control_zones_.count(zone)) return both_sources(zone, path);
      return ok_status();
    };
    MCNS_ASSIGN_OR_RETURN(ZoneFileInfo info, load_zone_file(path, builder, check));
    zones.emplace(info.zone, path);
    infos.push_back(std::move(info));
  }
  MCNS_ASSIGN_OR_RETURN(zone::ZoneSetPtr built, builder.build());
  file_zones_ = std::move(zones);
  files_ = std::move(infos);
  file_base_ = built;
  if (!wait_for_control_) publish_locked(std::move(built));
  return ok_status();
}

std::vector<ZoneFileInfo> ZoneCatalog::files() const {
  std::lock_guard lock(mu_);
  return files_;
}

Status ZoneCatalog::replace_control_zones(std::uint64_t version, const Edit& fill) {
  std::lock_guard lock(mu_);
  zone::ZoneSetBuilder builder(file_base_);  // the file zones, shared; no control zone yet
  std::set<std::string> zones;
  ControlZoneEditor editor(builder, file_zones_, zones);
  MCNS_RETURN_IF_ERROR(fill(editor));
  MCNS_ASSIGN_OR_RETURN(zone::ZoneSetPtr built, builder.build());
  control_zones_ = std::move(zones);
  control_snapshot_seen_ = true;
  version_.store(version, std::memory_order_relaxed);
  publish_locked(std::move(built));
  return ok_status();
}

Status ZoneCatalog::apply_control_change(std::uint64_t version, const Edit& change) {
  std::lock_guard lock(mu_);
  if (!control_snapshot_seen_) return failed_precondition("a change arrived before the first full snapshot");
  zone::ZoneSetBuilder builder(holder_.load());  // unchanged zones and shards are shared
  std::set<std::string> zones = control_zones_;
  ControlZoneEditor editor(builder, file_zones_, zones);
  MCNS_RETURN_IF_ERROR(change(editor));
  MCNS_ASSIGN_OR_RETURN(zone::ZoneSetPtr built, builder.build());
  control_zones_ = std::move(zones);
  version_.store(version, std::memory_order_relaxed);
  publish_locked(std::move(built));
  return ok_status();
}

void ZoneCatalog::publish_locked(zone::ZoneSetPtr next) {
  holder_.publish(std::move(next));
  last_change_ns_.store(steady_ns(), std::memory_order_relaxed);
  apply_error_.clear();
}

void ZoneCatalog::report_apply_error(std::string what) {
  apply_errors_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  apply_error_ = std::move(what);
}

bool ZoneCatalog::ready() const { return holder_.load()->ready(); }

double ZoneCatalog::last_change_age_seconds() const noexcept {
  std::int64_t at = last_change_ns_.load(std::memory_order_relaxed);
  if (at < 0) return -1;
  return static_cast<double>(steady_ns() - at) * 1e-9;
}

std::string ZoneCatalog::readyz_json() const {
  double age = last_change_age_seconds();
  char age_text[32];
  if (age < 0) {
    std::snprintf(age_text, sizeof age_text, "-1");  // nothing applied yet; always a number
  } else {
    std::snprintf(age_text, sizeof age_text, "%.3f", age);
  }
  std::string apply_error;
  {
    std::lock_guard lock(mu_);
    apply_error = apply_error_;
  }
  std::string out = str_cat("{\"version\":", version(), ",\"connected\":", connected(),
                            ",\"last_change_age_seconds\":", std::string_view(age_text));
  if (!apply_error.empty()) {
    out += ",\"apply_error\":\"";
    for (char c : apply_error) {
      if (c == '"' || c == '\\') out += '\\';
      if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

void ZoneCatalog::register_metrics(metrics::Registry& registry) {
  registry.add_collector([this](std::string& out) {
    out += str_cat("# HELP mcns_sync_connected 1 while the watch stream to mcns-control is up.\n"
                   "# TYPE mcns_sync_connected gauge\nmcns_sync_connected ", connected() ? 1 : 0, "\n",
                   "# HELP mcns_sync_apply_errors_total Snapshots or changes from the control that could not be applied.\n"
                   "# TYPE mcns_sync_apply_errors_total counter\nmcns_sync_apply_errors_total ",
                   apply_errors_.load(std::memory_order_relaxed), "\n",
                   "# HELP mcns_sync_version Last change-feed version applied.\n"
                   "# TYPE mcns_sync_version gauge\nmcns_sync_version ", version(), "\n",
                   "# HELP mcns_zone_records Resource records served per zone (SOA included).\n"
                   "# TYPE mcns_zone_records gauge\n");
    for (const zone::ZoneStats& z : holder_.load()->stats())
      out += str_cat("mcns_zone_records{zone=\"", label_escape(z.name), "\"} ", z.records, "\n");
  });
}

}  // namespace mcns::frontend::zonesrc
