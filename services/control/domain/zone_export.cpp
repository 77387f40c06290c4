#include "services/control/domain/zone_export.h"

#include <algorithm>
#include <tuple>

#include "common/base/strings.h"
#include "services/control/store/store.h"

namespace mcns::control::domain {

std::string render_zone_file(const Zone& zone, std::vector<Record> records) {
  std::sort(records.begin(), records.end(), [](const Record& a, const Record& b) {
    // The apex first, then owners in order; within an owner by type and value.
    auto key = [](const Record& r) { return std::make_tuple(r.name != "@", r.name, r.type, r.value); };
    return key(a) < key(b);
  });
  std::string out = str_cat("; zone ", zone.name, " exported by mcns-control, serial ", zone.serial, " (",
                            store::format_time(zone.updated_at), ")\n", "$ORIGIN ", zone.name, ".\n");
  // The SOA's TTL is the zone's minimum TTL (ARCHITECTURE.md Decision 2).
  out += str_cat("@\t", zone.minimum_ttl, "\tIN\tSOA\t", zone.primary_ns, " ", zone.admin_email, " ", zone.serial, " ",
                 zone.refresh, " ", zone.retry, " ", zone.expire, " ", zone.minimum_ttl, "\n");
  for (const Record& r : records) out += str_cat(r.name, "\t", r.ttl, "\tIN\t", r.type, "\t", r.value, "\n");
  return out;
}

StatusOr<std::string> export_zone(ZoneService& zones, const auth::Principal& who, std::string_view zone_name) {
  // The zone and its records are two reads: a write between them would pair a serial
  // with records of another one. Read the zone again and start over when it moved.
  for (int attempt = 0;; ++attempt) {
    MCNS_ASSIGN_OR_RETURN(Zone zone, zones.get_zone(who, zone_name));
    MCNS_ASSIGN_OR_RETURN(std::vector<Record> records, zones.list_records(who, RecordFilter{zone.name, {}, {}}));
    MCNS_ASSIGN_OR_RETURN(Zone after, zones.get_zone(who, zone_name));
    if (after.serial == zone.serial || attempt == 4) return render_zone_file(zone, std::move(records));
  }
}

}  // namespace mcns::control::domain
