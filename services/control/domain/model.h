#pragma once
// The control plane's entities as the domain service returns them and both APIs encode
// them (REST JSON with capitalised keys, gRPC messages).
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

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

struct UpdateZone {
  std::string zone;
  SoaFields soa;
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
};

// PUT semantics: every field is replaced (ttl absent: 300).
struct UpdateRecord {
  std::string zone;
  std::int64_t id = 0;
  RecordFields fields;
};

struct RecordFilter {
  std::string zone;
  std::optional<std::string> name{};  // canonicalised before matching
  std::optional<std::string> type{};  // case-insensitive mnemonic
};

}  // namespace mcns::control::domain
