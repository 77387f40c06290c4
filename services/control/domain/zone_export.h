#pragma once
// A zone as an RFC 1035 master file (SPEC 14 "Export"): `$ORIGIN`, the SOA first, then
// every record sorted by owner (the apex first), type and value, one per line with its
// TTL and class. `mcns-control import` of the result into an empty control gives the
// same records, and kzonecheck and named-checkzone accept it.
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "services/control/auth/principal.h"
#include "services/control/domain/model.h"
#include "services/control/domain/zone_service.h"

namespace mcns::control::domain {

std::string render_zone_file(const Zone& zone, std::vector<Record> records);

// Reads the zone and its records through `zones` (which decides who may read them) and
// renders them. NOT_FOUND for an unknown zone.
StatusOr<std::string> export_zone(ZoneService& zones, const auth::Principal& who, std::string_view zone);

}  // namespace mcns::control::domain
