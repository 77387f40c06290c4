#pragma once
// The control plane's entities as the domain service returns them and both APIs encode
// them (REST JSON with capitalised keys, gRPC messages).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mcns::control::domain {

using Timestamp = std::chrono::sys_seconds;  // stored and returned with second precision, UTC

struct Zone {
  std::int64_t id = 0;
  std::string name;         // canonical: lower case, no trailing dot
  std::string primary_ns;   // absolute, trailing dot
  std::string admin_email;  // SOA RNAME form, absolute, trailing dot
  std::uint32_t refresh = 3600;
  std::uint32_t retry = 600;
  std::uint32_t expire = 86400;
  std::uint32_t minimum_ttl = 300;
  std::uint32_t serial = 0;  // YYYYMMDDNN
  Timestamp created_at{};
  Timestamp updated_at{};
};

struct Record {
  std::int64_t id = 0;
  std::int64_t zone_id = 0;
  std::string name;   // relative, lower case, "@" for the apex
  std::string type;   // mnemonic, upper case
  std::string value;  // canonical presentation form (common/dns/value.h)
  std::uint32_t ttl = 300;
  Timestamp created_at{};
  Timestamp updated_at{};
};

// SOA fields of a create or update request; absent fields take defaults (create) or keep
// their value (update). Integers are wide so that out-of-range input is reported, not
// silently truncated.
struct SoaFields {
  std::optional<std::string> primary_ns{};
  std::optional<std::string> admin_email{};  // "admin.example.com." or "admin@example.com"
  std::optional<std::int64_t> refresh{};
  std::optional<std::int64_t> retry{};
  std::optional<std::int64_t> expire{};
  std::optional<std::int64_t> minimum_ttl{};
};

struct CreateZone {
  std::string name;
  SoaFields soa;
};

// A conditional write (SPEC 14: If-Match / expected_serial): when set, the mutation runs
// only if the zone's serial is this one, else FAILED_PRECONDITION and nothing written.
using ExpectedSerial = std::optional<std::uint32_t>;

struct UpdateZone {
  std::string zone;
  SoaFields soa;
  ExpectedSerial expected_serial{};
};

struct RecordFields {
  std::string name;
  std::string type;
  std::string value;
  std::optional<std::int64_t> ttl{};  // absent: 300
};

struct CreateRecord {
  std::string zone;
  RecordFields fields;
  ExpectedSerial expected_serial{};
};

// PUT semantics: every field is replaced (ttl absent: 300).
struct UpdateRecord {
  std::string zone;
  std::int64_t id = 0;
  RecordFields fields;
  ExpectedSerial expected_serial{};
};

struct RecordFilter {
  std::string zone;
  std::optional<std::string> name{};  // canonicalised before matching
  std::optional<std::string> type{};  // case-insensitive mnemonic
};

// ---- change control (SPEC 14) ----

// One operation of a committed change as history shows it: "add" or "remove" of a record
// (an update is a remove and an add), or "zone" (created or SOA changed; `zone` carries
// the SOA fields and the serial after the change).
struct HistoryOp {
  std::string op;  // "add", "remove", "zone"
  Record record{};  // add, remove
  Zone zone{};      // zone
  bool zone_deleted = false;  // zone: the zone was deleted with all its records
};

// One committed change of a zone: `version` is the global change version (the one
// frontends apply), `serial` the zone's serial after it, `via` how it arrived ("rest",
// "grpc", "update", "import", "rollback", "ui").
struct Change {
  std::uint64_t version = 0;
  std::uint32_t serial = 0;
  Timestamp time{};
  std::string user;
  std::string via;
  std::vector<HistoryOp> ops;
};

struct HistoryQuery {
  std::string zone;
  std::optional<std::uint32_t> after_serial{};  // only changes after this serial
  std::optional<std::int64_t> limit{};          // the first K of those
};

struct Rollback {
  std::string zone;
  std::uint32_t to_serial = 0;
  ExpectedSerial expected_serial{};
};

// One op of an API batch (POST /v1/zones/{zone}/changes, ChangeService.Apply):
//   kAdd          adds `record` (ALREADY_EXISTS if identical one exists, CNAME rules apply)
//   kRemoveId     removes record `id` (NOT_FOUND if the zone has none)
//   kRemoveMatch  removes the record (record.name, record.type, record.value) (NOT_FOUND
//                 if absent)
//   kReplace      replaces every record of (record.name, record.type) by `records`
//                 (values and TTLs; empty removes the RRset)
enum class ChangeOpKind { kAdd, kRemoveId, kRemoveMatch, kReplace };

struct ChangeRequestOp {
  ChangeOpKind kind = ChangeOpKind::kAdd;
  RecordFields record{};
  std::int64_t id = 0;
  std::vector<RecordFields> records{};  // kReplace: name and type come from `record`
};

struct ChangeRequest {
  std::string zone;
  std::vector<ChangeRequestOp> ops;
  ExpectedSerial expected_serial{};
};

}  // namespace mcns::control::domain
