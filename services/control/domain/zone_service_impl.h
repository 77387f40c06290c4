#pragma once
// ZoneService over the SQLite store. Each mutation: authorize, validate and canonicalise
// (no transaction yet), then in ONE write transaction: read the current rows, check CNAME
// exclusivity and duplicates, write, bump the zone's serial once, append one change-log
// row; commit; then call on_commit(version). A failure anywhere changes nothing.
//
// A request that would change nothing (an update to identical values) is not a mutation:
// it returns the current state without a serial bump, change-log row or on_commit call.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "services/control/domain/authz.h"
#include "services/control/domain/zone_service.h"
#include "services/control/store/store.h"

namespace mcns::control::domain {

// One record of a zone file, with the line it came from (for error messages).
struct ImportRecord {
  RecordFields fields;
  int line = 0;
};

// A whole zone to load (mcns-control import): the file's SOA fields, if it has an SOA,
// and every record. Existing zones get their records replaced; new zones are created.
struct ZoneImport {
  std::string zone;
  SoaFields soa;                        // absent fields: defaults (new zone) or kept
  std::optional<std::uint32_t> serial;  // the file's SOA serial, if any
  std::vector<ImportRecord> records;
};

struct ImportResult {
  Zone zone;                 // as stored after the import
  bool created = false;      // the zone did not exist before
  std::size_t added = 0;     // records inserted
  std::size_t removed = 0;   // records deleted
  std::size_t updated = 0;   // records whose TTL changed (kept with their id)
  std::size_t unchanged = 0;
  std::uint64_t version = 0; // 0 when nothing changed
};

class ZoneServiceImpl final : public ZoneService {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  // Called after every commit with its change-log version, in version order, on the
  // committing thread (still holding the store's writer lock: keep it short, never call
  // the service from it). Never called for a rolled-back transaction.
  using OnCommit = std::function<void(std::uint64_t version)>;

  // `store` must outlive the service. A null clock means the system clock.
  ZoneServiceImpl(store::Store& store, AuthzPolicy policy, Clock clock = {}, OnCommit on_commit = {});

  StatusOr<std::vector<Zone>> list_zones(const auth::Principal& who) override;
  StatusOr<Zone> get_zone(const auth::Principal& who, std::string_view zone) override;
  StatusOr<Zone> create_zone(const auth::Principal& who, const CreateZone& cmd) override;
  StatusOr<Zone> update_zone(const auth::Principal& who, const UpdateZone& cmd) override;
  Status delete_zone(const auth::Principal& who, std::string_view zone) override;

  StatusOr<std::vector<Record>> list_records(const auth::Principal& who, const RecordFilter& filter) override;
  StatusOr<Record> get_record(const auth::Principal& who, std::string_view zone, std::int64_t id) override;
  StatusOr<Record> create_record(const auth::Principal& who, const CreateRecord& cmd) override;
  StatusOr<Record> update_record(const auth::Principal& who, const UpdateRecord& cmd) override;
  Status delete_record(const auth::Principal& who, std::string_view zone, std::int64_t id) override;

  Status authorize_watch(const auth::Principal& who) override;

  // Loads a whole zone (admin only) in one transaction and one change-log row. Every
  // record is validated with the API's rules; errors name the record's line.
  StatusOr<ImportResult> import_zone(const auth::Principal& who, const ZoneImport& import);

  const Authorizer& authorizer() const noexcept { return authz_; }

 private:
  Timestamp now() const;
  std::uint32_t today() const;
  // The serial a zone created under `zone_name` starts at: today's first, or above the
  // last serial that name ever published (SPEC 13: serials never go back for a name).
  StatusOr<std::uint32_t> first_serial_for(store::WriteTx& tx, std::string_view zone_name) const;
  StatusOr<std::uint64_t> write(const std::function<Status(store::WriteTx&)>& fn);

  store::Store& store_;
  Authorizer authz_;
  Clock clock_;
  OnCommit on_commit_;
};

}  // namespace mcns::control::domain
