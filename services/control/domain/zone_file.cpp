#include "services/control/domain/zone_file.h"

#include <string>

#include "common/base/strings.h"
#include "common/dns/name.h"
#include "common/dns/rr_type.h"
#include "common/zonefile/zone_file_reader.h"

namespace mcns::control::domain {
namespace {

// "www.example.com." in zone "example.com" -> "www"; the apex -> "@". The reader has
// already refused owners outside the zone.
std::string relative_owner(const zonefile::Record& record, const std::string& zone) {
  std::string absolute = to_lower(zonefile::name_text(record.owner));
  std::string apex = str_cat(zone, ".");
  if (absolute == apex) return "@";
  return absolute.substr(0, absolute.size() - apex.size() - 1);
}

}  // namespace

StatusOr<ZoneImport> parse_zone_file(std::string_view text, std::string_view zone_in) {
  MCNS_ASSIGN_OR_RETURN(std::string zone, dns::canonical_zone_name(zone_in));
  zonefile::ReadOptions options;
  options.zone = zone;
  options.with_text = true;
  MCNS_ASSIGN_OR_RETURN(zonefile::ZoneFile file, zonefile::read_zone_text(text, options));

  ZoneImport out;
  out.zone = zone;
  out.serial = file.soa.serial;
  out.soa.primary_ns = file.soa.primary_ns;
  out.soa.admin_email = file.soa.admin;
  out.soa.refresh = file.soa.refresh;
  out.soa.retry = file.soa.retry;
  out.soa.expire = file.soa.expire;
  out.soa.minimum_ttl = file.soa.minimum;
  for (const zonefile::Record& r : file.records) {
    if (r.type == dns::type::kSOA) continue;  // the zone's own fields, above
    const dns::RRTypeInfo* info = dns::find_type(r.type);
    if (!info || !info->api_allowed)
      return invalid_argument(str_cat("line ", r.line, ": record type ", zonefile::type_text(r.type), " is not supported"));
    ImportRecord record;
    record.line = r.line;
    record.fields.name = relative_owner(r, zone);
    record.fields.type = std::string(info->mnemonic);
    record.fields.value = join(r.fields, " ");
    record.fields.ttl = r.ttl;
    out.records.push_back(std::move(record));
  }
  return out;
}

}  // namespace mcns::control::domain
