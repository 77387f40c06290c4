#pragma once
// TEST ONLY (target mcns::zone_testing): builds zones from RFC 1035 zone text read by
// the one zone-file reader (common/zonefile), through the public ZoneSetBuilder API
// exactly as the frontend's zone-file loader does (upsert_zone_wire + add_record_wire).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/base/status.h"
#include "common/zone/zone_set_builder.h"

namespace mcns::zone::testing {

// Adds the zone `origin` ("example.com") with the records of `text` to `builder`; the
// file's rules apply (one SOA at `origin`, CNAME exclusivity, BIND's TTL defaults).
Status load_zone_text(ZoneSetBuilder& builder, std::string_view origin, std::string_view text);

// A ready ZoneSet holding each (origin, text).
StatusOr<ZoneSetPtr> zone_set_from_text(const std::vector<std::pair<std::string, std::string>>& zones);

// Every record of `zone` as "owner ttl type-code rdata-hex", sorted (for comparing
// two snapshots' contents).
std::vector<std::string> dump_zone(const Zone& zone);

}  // namespace mcns::zone::testing
