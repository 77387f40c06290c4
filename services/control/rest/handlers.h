#pragma once
// REST handlers: decode the request, call exactly one ZoneService/Authenticator method,
// encode the answer or the error. No rules live here (STYLE 3.5).
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "services/control/auth/authenticator.h"
#include "services/control/auth/principal.h"
#include "services/control/domain/zone_service.h"
#include "services/control/rest/http_types.h"

namespace mcns::control::feed {
class FleetRegistry;
}  // namespace mcns::control::feed

namespace mcns::control::rest {

struct Call {
  const Request& request;
  const auth::Principal* who;  // null on public routes
  std::map<std::string, std::string, std::less<>> params;  // {zone}, {id} from the path
  std::map<std::string, std::string, std::less<>> query;   // decoded ?a=b
  domain::ZoneService& zones;
  auth::Authenticator& authenticator;
  const feed::FleetRegistry* fleet = nullptr;  // GET /v1/frontends; null: none known

  const std::string& param(std::string_view name) const { return params.find(name)->second; }
  // An empty value counts as absent (`?name=&type=A` filters by type only), as the
  // original service's query parsing did: scripts build these URLs from variables.
  std::optional<std::string> query_value(std::string_view name) const {
    auto it = query.find(name);
    if (it == query.end() || it->second.empty()) return std::nullopt;
    return it->second;
  }
};

// An error answer {"error": message} with the status http_status_for() gives `status`.
Response error_response(const Status& status);

Response health(const Call& c);
Response login(const Call& c);
Response logout(const Call& c);
Response list_zones(const Call& c);
Response create_zone(const Call& c);
Response get_zone(const Call& c);
Response update_zone(const Call& c);
Response delete_zone(const Call& c);
Response list_records(const Call& c);
// GET /v1/zones/{zone}/export: the zone as an RFC 1035 master file (text/dns).
Response export_zone(const Call& c);
Response create_record(const Call& c);
Response get_record(const Call& c);
Response update_record(const Call& c);
Response delete_record(const Call& c);
// SPEC 14: GET and POST /v1/zones/{zone}/changes (history, batches), POST .../rollback.
Response list_changes(const Call& c);
Response apply_changes(const Call& c);
Response rollback(const Call& c);
// GET /v1/frontends: the fleet of SPEC 14 ({"frontends":[...]}).
Response list_frontends(const Call& c);

}  // namespace mcns::control::rest
