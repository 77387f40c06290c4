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

// One operation of a batch (apply_batch), RFC 2136 §3.4.2 semantics, evaluated in order:
//   kAdd         adds fields (name, type, value, ttl). An identical record is not added
//                again; the TTL given becomes the TTL of the whole RRset (as BIND does). A
//                CNAME added where a CNAME is replaces it. An add that would break CNAME
//                exclusivity (other data at a CNAME, a CNAME beside other data or at the
//                apex) is skipped or refused, as BatchCommand::on_conflict says.
//   kRemoveOne   removes the record (name, type, value) if present (ttl ignored).
//   kRemoveRRset removes every record of (name, type) (value and ttl ignored).
//   kRemoveName  removes every record at name (type, value, ttl ignored); at the apex the
//                NS records stay, so the zone stays served (§3.4.2.3).
// Removing what is not there is not an error: it changes nothing.
enum class BatchOpKind { kAdd, kRemoveOne, kRemoveRRset, kRemoveName };

struct BatchOp {
  BatchOpKind kind = BatchOpKind::kAdd;
  RecordFields fields;
};

// What an add that would break CNAME exclusivity does.
enum class OnConflict {
  kFail,  // the batch fails with ALREADY_EXISTS and changes nothing (the API's rule)
  kSkip,  // the op is ignored and the rest applied (RFC 2136 §3.4.2.2, as BIND and Knot)
};

// Who decides whether the caller may write these records.
enum class BatchAuthorization {
  // The account matrix of SPEC 6 (Authorizer): the default, for API callers.
  kAccountMatrix,
  // The caller has already authorized every op by a policy of its own (a TSIG key's
  // update_names/update_types for DNS UPDATE). Only for system callers inside the
  // control; the principal is then only the name logged (e.g. "tsig:acme").
  kPreAuthorizedByCaller,
};

struct BatchCommand {
  std::string zone;
  std::vector<BatchOp> ops;
  OnConflict on_conflict = OnConflict::kFail;
  // Optional: run inside the write transaction before any op, against the committed
  // state (RFC 2136 prerequisites, or a change-control "expected serial"). A non-OK
  // status aborts the batch with nothing changed and is returned as is.
  std::function<Status(store::ReadTx&, const Zone&)> precondition{};
};

struct BatchResult {
  Zone zone;                 // as stored after the batch
  std::size_t added = 0;     // records inserted
  std::size_t removed = 0;   // records deleted
  std::size_t updated = 0;   // records whose TTL changed
  std::size_t skipped = 0;   // adds ignored under OnConflict::kSkip
  std::uint64_t version = 0; // 0 when nothing changed (no serial bump, no change-log row)
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
  Status delete_zone(const auth::Principal& who, std::string_view zone, ExpectedSerial expected_serial) override;

  StatusOr<std::vector<Record>> list_records(const auth::Principal& who, const RecordFilter& filter) override;
  StatusOr<Record> get_record(const auth::Principal& who, std::string_view zone, std::int64_t id) override;
  StatusOr<Record> create_record(const auth::Principal& who, const CreateRecord& cmd) override;
  StatusOr<Record> update_record(const auth::Principal& who, const UpdateRecord& cmd) override;
  Status delete_record(const auth::Principal& who, std::string_view zone, std::int64_t id,
                       ExpectedSerial expected_serial) override;

  StatusOr<std::vector<Change>> list_changes(const auth::Principal& who, const HistoryQuery& query) override;
  StatusOr<Change> rollback(const auth::Principal& who, const Rollback& cmd) override;
  StatusOr<Change> apply_changes(const auth::Principal& who, const ChangeRequest& request) override;
  StatusOr<std::uint64_t> latest_version() override;

  Status authorize_watch(const auth::Principal& who) override;
  Status authorize_fleet_view(const auth::Principal& who) override;

  // Loads a whole zone (admin only) in one transaction and one change-log row. Every
  // record is validated with the API's rules; errors name the record's line.
  StatusOr<ImportResult> import_zone(const auth::Principal& who, const ZoneImport& import);

  // Applies every op of `cmd` in order inside ONE write transaction: all the API's
  // validation first (INVALID_ARGUMENT names the op), then the precondition, then the
  // ops; one serial bump and one change-log row if anything changed, none otherwise.
  // Any error changes nothing. NOT_FOUND when the zone does not exist.
  StatusOr<BatchResult> apply_batch(const auth::Principal& who, const BatchCommand& cmd,
                                    BatchAuthorization authorization = BatchAuthorization::kAccountMatrix);

  const Authorizer& authorizer() const noexcept { return authz_; }

 private:
  Timestamp now() const;
  std::uint32_t today() const;
  // The serial a zone created under `zone_name` starts at: today's first, or above the
  // last serial that name ever published (SPEC 13: serials never go back for a name).
  StatusOr<std::uint32_t> first_serial_for(store::WriteTx& tx, std::string_view zone_name) const;
  StatusOr<std::uint64_t> write(const std::function<Status(store::WriteTx&)>& fn);
  // Inside a write: bumps `zone`'s serial once, stores it, and appends the one change of
  // the transaction (the zone upsert first, then `record_ops` in order) with `meta`.
  StatusOr<store::HistoryEntry> commit_record_ops(store::WriteTx& tx, Zone& zone, const mcns::v1::Change& record_ops,
                                                  Timestamp at, store::ChangeMeta meta) const;

  store::Store& store_;
  Authorizer authz_;
  Clock clock_;
  OnCommit on_commit_;
};

}  // namespace mcns::control::domain
