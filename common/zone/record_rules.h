#pragma once
// What the zone builder lets into a zone, so the query path can trust what it serves:
// the SOA (two uncompressed names and five 32-bit fields), record types (no SOA, no
// meta or question-only types), RDATA that must hold a name where the type registry
// says one ends it (common/dns/rr_type.h, RdataName), and TTLs (RFC 2181 section 8).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/zone/zone.h"

namespace mcns::zone {

// The SOA of a zone as the control plane describes it (ZoneSetBuilder::upsert_zone).
struct SoaParams {
  std::string primary_ns;  // absolute name: "ns.example.com."
  std::string admin;       // mailbox as a name ("hostmaster.example.com.") or "a@b.c"
  std::uint32_t serial = 0;
  std::uint32_t refresh = 3600;
  std::uint32_t retry = 600;
  std::uint32_t expire = 86400;
  std::uint32_t minimum = 300;
  std::uint32_t ttl = 300;  // the SOA record's own TTL
};

// Checks SOA RDATA in wire form (as a zone-file reader has it).
StatusOr<ZoneSoa> soa_from_wire(std::uint32_t ttl, std::span<const std::uint8_t> rdata);
// Builds and checks the SOA from its fields; `admin` may be a name or "a@b.c".
StatusOr<ZoneSoa> soa_from_params(const SoaParams& soa);

// Whether a record of `type` with this TTL and RDATA may be added (or removed: pass
// ttl 0). INVALID_ARGUMENT naming the problem.
Status check_record(std::uint16_t type, std::uint32_t ttl, std::span<const std::uint8_t> rdata);

}  // namespace mcns::zone
