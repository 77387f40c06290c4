#pragma once
// `mcns-control import` and the gRPC ImportZone: a master file read by the one zone-file
// reader (common/zonefile/zone_file_reader.h: syntax, $ORIGIN/$TTL, TTL defaults as BIND
// does, one SOA at the zone's apex, CNAME rules; $INCLUDE refused), turned into the
// domain's ZoneImport. Only the types of the registry that the API accepts are allowed;
// the records are then validated by ZoneServiceImpl::import_zone with the API's rules.
// Errors are INVALID_ARGUMENT and start with "line N: ".
#include <string_view>

#include "common/base/status.h"
#include "services/control/domain/zone_service_impl.h"

namespace mcns::control::domain {

// `zone` is the zone's name (any case, trailing dot optional); it is the initial $ORIGIN.
StatusOr<ZoneImport> parse_zone_file(std::string_view text, std::string_view zone);

}  // namespace mcns::control::domain
