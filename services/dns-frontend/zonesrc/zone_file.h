#pragma once
// The zone-file source of mcns-dns: `[zones] files` are RFC 1035 master files, read by
// the one zone-file reader (common/zonefile/zone_file_reader.h: syntax, directives, TTL
// defaults as BIND, one SOA, owners in the zone) off the hot path, checked for CNAME
// exclusivity here (a CNAME at the apex, beside other data, or a second one at a name;
// RRSIG/NSEC may coexist, RFC 4035 2.5), and added to a ZoneSetBuilder, which refuses
// what it cannot serve (meta types, bad RDATA). Messages are "zone file PATH:LINE:
// reason". The zone is the SOA owner; the SOA keeps its own TTL (ARCHITECTURE.md
// Decision 2).
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
