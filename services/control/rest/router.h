#pragma once
// The REST API's one routing table (router.cpp, read top to bottom) and its dispatch:
// match the method and path, check the route's access level at the edge (one function
// shared with gRPC: auth/access.h), run the handler, and map any status through
// http_status_for(). No Beast here: requests and responses are plain values.
#include <chrono>
#include <functional>
#include <string_view>
#include <vector>

#include "services/control/auth/access.h"
#include "services/control/auth/authenticator.h"
#include "services/control/domain/zone_service.h"
#include "services/control/rest/http_types.h"

namespace mcns::control::feed {
class FleetRegistry;
}  // namespace mcns::control::feed

namespace mcns::control::rest {

struct RouterHooks {
  // After every response: the route pattern ("GET /v1/zones/{zone}", "unmatched"), the
  // HTTP status and the handling time; for mcns_api_requests_total and the histogram.
  std::function<void(std::string_view route, int status, std::chrono::duration<double> elapsed)> on_response;
  // Every path outside /v1 (the web UI of SPEC 15). It sets Response::route itself (a
  // fixed label per page, for the metrics); null: such paths are 404.
  std::function<Response(const Request&)> web_ui;
};

struct RouteInfo {
  std::string_view method;
  std::string_view pattern;
  auth::Access access;
};

class Router {
 public:
  // `fleet` (not owned; null: GET /v1/frontends lists none) is the control's frontends.
  Router(domain::ZoneService& zones, auth::Authenticator& authenticator, RouterHooks hooks = {},
         const feed::FleetRegistry* fleet = nullptr);
  Response handle(const Request& request);
  // The table, for tests and docs.
  static std::vector<RouteInfo> routes();

 private:
  domain::ZoneService& zones_;
  auth::Authenticator& authenticator_;
  RouterHooks hooks_;
  const feed::FleetRegistry* fleet_;
};

}  // namespace mcns::control::rest
