#pragma once
// The one place the control plane's rules live (SPEC sections 5 and 6): validation and
// canonical forms, authorization, CNAME exclusivity, SOA serials and the change log.
// REST and gRPC handlers decode a request, call exactly one method here, and map the
// returned status (common/base/http_status.h, common/grpcutil). Every mutation runs in
// one SQLite transaction that also bumps the zone serial and appends one change-log row;
// the change feed is notified only after the commit.
//
// Status codes: INVALID_ARGUMENT (bad input; the message says what), NOT_FOUND,
// ALREADY_EXISTS (duplicate record or zone, CNAME conflict), PERMISSION_DENIED
// (authenticated but not allowed), UNAVAILABLE (database busy or unreachable).
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "services/control/auth/principal.h"
#include "services/control/domain/model.h"

namespace mcns::control::domain {

class ZoneService {
 public:
  virtual ~ZoneService() = default;

  virtual StatusOr<std::vector<Zone>> list_zones(const auth::Principal& who) = 0;
  virtual StatusOr<Zone> get_zone(const auth::Principal& who, std::string_view zone) = 0;
  virtual StatusOr<Zone> create_zone(const auth::Principal& who, const CreateZone& cmd) = 0;
  virtual StatusOr<Zone> update_zone(const auth::Principal& who, const UpdateZone& cmd) = 0;
  virtual Status delete_zone(const auth::Principal& who, std::string_view zone,
                             ExpectedSerial expected_serial) = 0;

  virtual StatusOr<std::vector<Record>> list_records(const auth::Principal& who,
                                                           const RecordFilter& filter) = 0;
  virtual StatusOr<Record> get_record(const auth::Principal& who, std::string_view zone,
                                            std::int64_t id) = 0;
  virtual StatusOr<Record> create_record(const auth::Principal& who, const CreateRecord& cmd) = 0;
  virtual StatusOr<Record> update_record(const auth::Principal& who, const UpdateRecord& cmd) = 0;
  virtual Status delete_record(const auth::Principal& who, std::string_view zone, std::int64_t id,
                               ExpectedSerial expected_serial) = 0;

  // ---- change control (SPEC 14) ----
  // The zone's history, oldest first (readers of the zone). NOT_FOUND for no such zone.
  virtual StatusOr<std::vector<Change>> list_changes(const auth::Principal& who, const HistoryQuery& query) = 0;
  // Admin only: one new change whose result is the zone's records as of `to_serial`.
  // NOT_FOUND when that serial is not in the history. Returns the new change (no ops and
  // version 0 when the zone already has those records).
  virtual StatusOr<Change> rollback(const auth::Principal& who, const Rollback& cmd) = 0;
  // All ops or none: one transaction, one serial bump, one change; authorized per op.
  virtual StatusOr<Change> apply_changes(const auth::Principal& who, const ChangeRequest& request) = 0;
  // The last committed change version (write-and-wait waits for the fleet to reach the
  // version current when a write returned, which includes that write).
  virtual StatusOr<std::uint64_t> latest_version() = 0;

  // May `who` open the watch stream? ([sync] allowed_accounts and admins.)
  virtual Status authorize_watch(const auth::Principal& who) = 0;
  // May `who` see the fleet of frontends (GET /v1/frontends)? Whoever may read zones.
  virtual Status authorize_fleet_view(const auth::Principal& who) = 0;
};

}  // namespace mcns::control::domain
