#pragma once
// The web UI of SPEC 15 on the REST listener: every path outside /v1 comes here through
// rest::RouterHooks::web_ui. Server-rendered HTML (pages.h) enhanced by the embedded htmx;
// every form also works as a plain POST-redirect-GET without JavaScript.
//
// What it adds to the REST API is only presentation and the browser's session: a login
// form (MCIAS username/password, or a token in local mode) opens a server-side session
// (sessions.h) whose id is the cookie (HttpOnly, Secure, SameSite=Strict, __Host- prefix,
// expiring with the token); every POST must carry that session's CSRF token (403
// otherwise). Each request authenticates the session's token again (the authenticator
// caches for 30 s, so a revoked token ends the session) and calls domain::ZoneService
// with Principal.via = "ui"; the domain alone decides what the caller may do, and its
// status is mapped to HTTP as for the API. The AuthzPolicy given here is used only to
// hide controls a caller could not use.
//
// Every answer carries a Content-Security-Policy without inline script or style
// ('self' only, frame-ancestors 'none'), X-Content-Type-Options: nosniff and
// Cache-Control: no-store (assets: cacheable).
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "services/control/auth/authenticator.h"
#include "services/control/domain/authz.h"
#include "services/control/domain/zone_service.h"
#include "services/control/rest/http_types.h"

namespace mcns::control::feed {
class FleetRegistry;
}  // namespace mcns::control::feed

namespace mcns::control::web {

struct WebUiOptions {
  // [auth] record_admins and [sync] accounts, to decide which controls to show only.
  domain::AuthzPolicy authz{};
  // How long a session lives when the token's expiry is unknown (local tokens).
  std::chrono::seconds session_lifetime = std::chrono::hours(8);
  std::size_t max_sessions = 10000;
  std::size_t max_anonymous_sessions = 4096;  // login forms shown and not yet used
  std::function<std::chrono::system_clock::time_point()> now{};  // tests; default system clock
};

class WebUi {
 public:
  // `fleet` may be null (the frontends page then says so). All references must outlive
  // this object.
  WebUi(domain::ZoneService& zones, auth::Authenticator& authenticator, const feed::FleetRegistry* fleet,
        WebUiOptions options = {});
  ~WebUi();
  WebUi(const WebUi&) = delete;
  WebUi& operator=(const WebUi&) = delete;

  // Thread-safe. Sets Response::route to a fixed label per page (metrics).
  rest::Response handle(const rest::Request& request);

  // The session cookie's name.
  static constexpr const char* kCookieName = "__Host-mcns_session";

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mcns::control::web
