#pragma once
// Reading an RFC 1035 master file (mcns-control import) with ldns. The file must have an
// SOA record at the apex (a truncated or empty file must not wipe a zone); $ORIGIN and
// $TTL are honoured, $INCLUDE is refused, records without a TTL and no $TTL get 300.
// Only class IN and the types of the registry that the API accepts are allowed; the
// records are then validated by ZoneServiceImpl::import_zone with the API's rules.
// Errors are INVALID_ARGUMENT and start with "line N: ".
#include <string_view>

#include "common/base/status.h"
#include "services/control/domain/zone_service_impl.h"

namespace mcns::control::domain {

// `zone` is the zone's name (any case, trailing dot optional); it is the initial $ORIGIN.
StatusOr<ZoneImport> parse_zone_file(std::string_view text, std::string_view zone);

}  // namespace mcns::control::domain
