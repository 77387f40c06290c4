#pragma once
// The zone-file source of mcns-dns: `[zones] files` are RFC 1035 master files, parsed
// with ldns off the hot path, validated, and added to a ZoneSetBuilder.
//
// Accepted: $ORIGIN, $TTL, relative and absolute names, every record type ldns knows.
// Rejected, with "zone file PATH:LINE: reason": syntax errors, $INCLUDE, no SOA or more
// than one, class other than IN, owners outside the SOA's zone, a CNAME at the apex, a
// CNAME beside other data or a second CNAME at one name (RFC 1034 3.6.2; RRSIG/NSEC
// may coexist, RFC 4035 2.5), and whatever the builder refuses (meta types, bad RDATA).
// The zone is the SOA owner. The SOA keeps its own TTL (ARCHITECTURE.md Decision 2).
#include <cstdint>
#include <functional>
#include <string>

#include "common/base/status.h"
#include "common/zone/zone_set_builder.h"

namespace mcns::frontend::zonesrc {

struct ZoneFileInfo {
  std::string path;
  std::string zone;  // canonical: lower case, no trailing dot
  std::uint32_t serial = 0;
  std::size_t records = 0;  // including the SOA
};

// Called with the zone's canonical name as soon as the SOA is read, before any record is
// added; a non-OK status aborts the load (e.g. the zone is already loaded from another
// file, or fed by the control plane).
using ZoneCheck = std::function<Status(const std::string& zone)>;

// Parses `path` and adds its zone to `builder`. INVALID_ARGUMENT / NOT_FOUND (or the
// check's code) with a message naming the file and line. On error the builder may hold
// part of the zone: discard it.
StatusOr<ZoneFileInfo> load_zone_file(const std::string& path, zone::ZoneSetBuilder& builder,
                                      const ZoneCheck& check_zone = nullptr);

}  // namespace mcns::frontend::zonesrc
