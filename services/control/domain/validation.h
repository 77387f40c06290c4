#pragma once
// Input validation and canonical forms of the domain commands, built on common/dns. Every
// function is pure (no database), so bad input is refused before a transaction opens.
// Errors are INVALID_ARGUMENT with a message that names the field and the problem; both
// APIs return it verbatim.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "common/base/status.h"
#include "common/dns/rr_type.h"
#include "common/dns/value.h"
#include "services/control/domain/model.h"

namespace mcns::control::domain {

// A record as it will be stored: canonical name, registered type, canonical value, TTL.
struct ValidRecord {
  std::string name;                         // relative, lower case, "@" for the apex
  const dns::RRTypeInfo* type = nullptr;    // never null once validated
  std::string value;
  std::uint32_t ttl = dns::kDefaultTtl;
};

// A type the management API accepts, by case-insensitive mnemonic.
StatusOr<const dns::RRTypeInfo*> record_type(std::string_view mnemonic);

// Validates name, type, value and TTL (absent: 300) of a record in `zone` (canonical).
StatusOr<ValidRecord> validate_record(std::string_view zone, const RecordFields& fields);

// CNAME exclusivity (RFC 1034 section 3.6.2), the one statement of the rule for every
// write path: a name with a CNAME has no other data, has one CNAME only, and the apex
// (which always has SOA and NS) has none. `types_at_name` are the types already at
// `name` (relative, "@" for the apex) apart from the record being replaced; `type` is
// the type being added. ALREADY_EXISTS "CNAME conflict: ..." (409), else OK.
Status check_cname_exclusivity(std::string_view zone, std::string_view name, std::string_view type,
                               const std::set<std::string, std::less<>>& types_at_name);

// "Admin@Example.com" -> "admin.example.com."; "admin.example.com" -> "admin.example.com.".
// The part before '@' becomes one label, so it may not contain dots.
StatusOr<std::string> canonical_admin_email(std::string_view text);

// SOA fields after validation; absent fields stay absent.
struct ValidSoa {
  std::optional<std::string> primary_ns{};
  std::optional<std::string> admin_email{};
  std::optional<std::uint32_t> refresh{}, retry{}, expire{}, minimum_ttl{};
};
StatusOr<ValidSoa> validate_soa(const SoaFields& fields);

// A new zone's SOA fields (ARCHITECTURE Decisions 6): ns.<zone>., hostmaster.<zone>.,
// refresh 3600, retry 600, expire 86400, minimum 300. When the zone name is so long that
// "ns." or "hostmaster." would pass 255 octets, that field is left empty: the caller must
// then have it from the request.
Zone zone_with_defaults(std::string_view canonical_zone);

// Copies the present fields of `soa` into `zone`; true when anything changed.
bool apply_soa(const ValidSoa& soa, Zone& zone);

}  // namespace mcns::control::domain
