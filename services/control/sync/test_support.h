#pragma once
// Test helpers of the sync services (header-only, tests only).
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/base/strings.h"
#include "services/control/auth/principal.h"
#include "services/control/domain/zone_service.h"

namespace mcns::control::testing {

// A ZoneService of which only authorize_watch works: accounts named mcns-dns* and
// admins may watch (and report), the rest of the interface is not used by sync/.
class WatchOnlyZones final : public domain::ZoneService {
 public:
  Status authorize_fleet_view(const auth::Principal&) override { return unimplemented("x"); }
  Status authorize_watch(const auth::Principal& who) override {
    if (who.username.starts_with("mcns-dns") || who.is_admin()) return ok_status();
    return permission_denied(str_cat("account ", who.username, " may not open the watch stream"));
  }
  StatusOr<std::vector<domain::Zone>> list_zones(const auth::Principal&) override { return unimplemented("x"); }
  StatusOr<domain::Zone> get_zone(const auth::Principal&, std::string_view) override { return unimplemented("x"); }
  StatusOr<domain::Zone> create_zone(const auth::Principal&, const domain::CreateZone&) override {
    return unimplemented("x");
  }
  StatusOr<domain::Zone> update_zone(const auth::Principal&, const domain::UpdateZone&) override {
    return unimplemented("x");
  }
  Status delete_zone(const auth::Principal&, std::string_view, domain::ExpectedSerial) override {
    return unimplemented("x");
  }
  StatusOr<std::vector<domain::Record>> list_records(const auth::Principal&, const domain::RecordFilter&) override {
    return unimplemented("x");
  }
  StatusOr<domain::Record> get_record(const auth::Principal&, std::string_view, std::int64_t) override {
    return unimplemented("x");
  }
  StatusOr<domain::Record> create_record(const auth::Principal&, const domain::CreateRecord&) override {
    return unimplemented("x");
  }
  StatusOr<domain::Record> update_record(const auth::Principal&, const domain::UpdateRecord&) override {
    return unimplemented("x");
  }
  Status delete_record(const auth::Principal&, std::string_view, std::int64_t, domain::ExpectedSerial) override {
    return unimplemented("x");
  }
  StatusOr<std::vector<domain::Change>> list_changes(const auth::Principal&, const domain::HistoryQuery&) override {
    return unimplemented("x");
  }
  StatusOr<domain::Change> rollback(const auth::Principal&, const domain::Rollback&) override {
    return unimplemented("x");
  }
  StatusOr<domain::Change> apply_changes(const auth::Principal&, const domain::ChangeRequest&) override {
    return unimplemented("x");
  }
  StatusOr<std::uint64_t> latest_version() override { return unimplemented("x"); }
};

}  // namespace mcns::control::testing
