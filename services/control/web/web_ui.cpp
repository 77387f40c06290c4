#include "services/control/web/web_ui.h"

#include <algorithm>
#include <optional>
#include <string>
#include <tuple>
#include <variant>
#include <vector>

#include "common/base/http_status.h"
#include "common/base/log.h"
#include "common/base/strings.h"
#include "services/control/auth/audit.h"
#include "services/control/feed/fleet.h"
#include "services/control/web/assets.h"
#include "services/control/web/html.h"
#include "services/control/web/pages.h"
#include "services/control/web/sessions.h"

namespace mcns::control::web {

using rest::Request;
using rest::Response;

namespace {

constexpr std::string_view kApi = "ui";
constexpr std::string_view kHtmlType = "text/html; charset=utf-8";
// No inline script or style anywhere; htmx's XHRs go to 'self'. frame-ancestors 'none'
// (and X-Frame-Options for old browsers) stops click-jacking.
constexpr std::string_view kCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
constexpr std::chrono::minutes kAnonymousLifetime{30};
constexpr std::string_view kFavicon =
    R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" )"
    R"(fill="#0b57d0"/><path d="M3 12V4h2l3 4 3-4h2v8h-2V7l-3 4-3-4v5z" fill="#fff"/></svg>)";
// The history page shows at most this many of the newest changes.
constexpr std::size_t kHistoryShown = 200;

void add_security_headers(Response& r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(kCsp));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  r.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
}

Response html(int status, std::string body, std::string_view route) {
  Response r{status, std::move(body)};
  r.content_type = std::string(kHtmlType);
  r.route = std::string(route);
  add_security_headers(r);
  r.headers.emplace_back("Cache-Control", "no-store");
  // The same URL answers a fragment to htmx and a page otherwise.
  r.headers.emplace_back("Vary", "HX-Request, Cookie");
  return r;
}

Response asset(const Request& req, std::string_view body, std::string_view type, std::string_view etag,
               std::string_view route) {
  Response r{200, {}};
  r.route = std::string(route);
  add_security_headers(r);
  r.headers.emplace_back("ETag", std::string(etag));
  r.headers.emplace_back("Cache-Control", "public, max-age=3600");
  if (auto inm = req.header("if-none-match"); inm && *inm == etag) {
    r.status = 304;
    return r;
  }
  r.content_type = std::string(type);
  r.body = std::string(body);
  return r;
}

// 303 to `location` (POST-redirect-GET); for htmx, which follows redirects inside its
// XHR and would swap the target page into a fragment, HX-Redirect instead.
Response redirect(std::string location, bool htmx, std::string_view route) {
  Response r = html(htmx ? 200 : 303, {}, route);
  r.headers.emplace_back(htmx ? "HX-Redirect" : "Location", std::move(location));
  return r;
}

std::string session_cookie(std::string_view id, std::chrono::seconds max_age) {
  return str_cat(WebUi::kCookieName, "=", id, "; Path=/; Max-Age=", std::max<std::int64_t>(0, max_age.count()),
                 "; Secure; HttpOnly; SameSite=Strict");
}

bool is_slot(std::string_view s) {
  return !s.empty() && s.size() <= 24 &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); });
}

// Which input of a record form a domain error belongs to (SPEC 15: "errors shown at the
// field"); empty: above the form. The message is what the API would say.
FieldError record_error(const Status& status) {
  Status shown = client_facing(status);
  const std::string& m = shown.message();
  std::string field;
  if (status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kAlreadyExists) {
    if (m.find("record name") != std::string::npos || m.starts_with("CNAME conflict")) field = "name";
    else if (m.find("record type") != std::string::npos) field = "type";
    else if (m.starts_with("invalid TTL")) field = "ttl";
    else if (m.starts_with("invalid ") && m.find(" value ") != std::string::npos) field = "value";
    else if (m.starts_with("record already exists") || m.starts_with("duplicate")) field = "value";
  }
  return {field, m};
}

FieldError zone_error(const Status& status) {
  Status shown = client_facing(status);
  std::string field;
  if ((status.code() == StatusCode::kInvalidArgument || status.code() == StatusCode::kAlreadyExists) &&
      shown.message().find("zone") != std::string::npos)
    field = "name";
  return {field, shown.message()};
}

int http_status(const Status& status) { return http_status_for(client_facing(status).code()); }

// The path split into decoded segments; nullopt on a broken escape.
std::optional<std::vector<std::string>> path_segments(std::string_view path) {
  std::vector<std::string> out;
  for (std::string_view part : split(path, '/')) {
    if (part.empty()) continue;
    auto decoded = url_decode(part, false);
    if (!decoded) return std::nullopt;
    out.push_back(std::move(*decoded));
  }
  return out;
}

std::optional<std::int64_t> parse_id(std::string_view s) {
  auto id = parse_int<std::int64_t>(s);
  if (!id || *id <= 0) return std::nullopt;
  return id;
}

RecordForm record_form(const FormData& form) {
  RecordForm f;
  f.name = std::string(trim(form.get("name")));
  f.type = to_upper(trim(form.get("type")));
  f.value = std::string(trim(form.get("value")));
  f.ttl = std::string(trim(form.get("ttl")));
  return f;
}

// The form's fields for the domain; a TTL that is not a number is reported at its field
// (as REST reports a JSON type error), before the domain is asked.
StatusOr<domain::RecordFields> record_fields(const RecordForm& f) {
  domain::RecordFields fields{f.name, f.type, f.value, std::nullopt};
  if (!f.ttl.empty()) {
    auto ttl = parse_int<std::int64_t>(f.ttl);
    if (!ttl) return invalid_argument(str_cat("invalid TTL ", f.ttl, ": must be a whole number of seconds"));
    fields.ttl = *ttl;
  }
  return fields;
}

std::string_view notice_text(std::string_view done) {
  if (done == "added") return "Record added.";
  if (done == "updated") return "Record updated.";
  if (done == "deleted") return "Record deleted.";
  if (done == "created") return "Zone created.";
  if (done == "rolledback") return "Rolled back: the zone's records are those of the chosen serial again.";
  if (done == "unchanged") return "Nothing to roll back: the zone already has those records.";
  return {};
}

}  // namespace

struct WebUi::Impl {
  Impl(domain::ZoneService& z, auth::Authenticator& a, const feed::FleetRegistry* f, WebUiOptions o)
      : zones(z),
        authn(a),
        fleet(f),
        options(std::move(o)),
        authz(options.authz),
        sessions(options.max_sessions, options.max_anonymous_sessions, options.now) {}

  domain::ZoneService& zones;
  auth::Authenticator& authn;
  const feed::FleetRegistry* fleet;
  WebUiOptions options;
  domain::Authorizer authz;
  SessionStore sessions;

  // One request's parsed parts.
  struct Ctx {
    const Request& req;
    std::string method;  // HEAD is served as GET
    std::vector<std::string> seg;
    FormData query;
    FormData form;  // POST body
    bool htmx = false;
    std::optional<Session> session;
  };

  struct Caller {
    Session session;
    auth::Principal who;
    Chrome chrome;
  };

  Response handle(const Request& req);
  Response route(Ctx& c);

  // The signed-in caller, or the answer to give instead (login redirect, 403, 503).
  std::variant<Caller, Response> caller(Ctx& c, std::string_view route);
  bool csrf_ok(const Ctx& c) const;

  Response page(const Ctx& c, const Caller* who, int status, std::string_view title, std::string_view main,
                std::string_view route) {
    if (c.htmx && who) return html(status, std::string(main), route);
    return html(status, document(title, who ? &who->chrome : nullptr, main), route);
  }
  Response message(const Ctx& c, const Caller* who, int status, std::string_view heading, std::string_view text,
                   std::string_view route) {
    Response r = html(status, document(heading, who ? &who->chrome : nullptr, message_main(heading, text)), route);
    // An error is a whole page, for htmx too: it replaces the page's body, not the
    // fragment that was to be swapped.
    if (c.htmx) {
      r.headers.emplace_back("HX-Retarget", "body");
      r.headers.emplace_back("HX-Reswap", "innerHTML");
    }
    return r;
  }
  Response failure(const Ctx& c, const Caller& who, const Status& s, std::string_view route) {
    int code = http_status(s);
    std::string_view heading = code == 404 ? "Not found" : code == 403 ? "Not allowed" : code == 503 ? "Unavailable" : "Error";
    return message(c, &who, code, heading, client_facing(s).message(), route);
  }

  Response login_get(Ctx& c);
  Response login_post(Ctx& c);
  Response logout_post(Ctx& c);
  Response zones_get(Ctx& c, const Caller& who, int status = 200, ZonesView overrides = {});
  Response zone_create(Ctx& c, const Caller& who);
  StatusOr<ZoneView> zone_view(const Caller& who, std::string_view zone);
  Response zone_answer(Ctx& c, const Caller& who, int status, const ZoneView& view, std::string_view route);
  Response zone_get(Ctx& c, const Caller& who, const std::string& zone, std::int64_t editing);
  Response record_add(Ctx& c, const Caller& who, const std::string& zone);
  Response record_update(Ctx& c, const Caller& who, const std::string& zone, std::int64_t id);
  Response record_delete(Ctx& c, const Caller& who, const std::string& zone, std::int64_t id);
  Response record_row_get(Ctx& c, const Caller& who, const std::string& zone, std::int64_t id, bool edit);
  Response history_get(Ctx& c, const Caller& who, const std::string& zone, int status = 200,
                       FieldError error = {});
  Response rollback_post(Ctx& c, const Caller& who, const std::string& zone);
  Response frontends_get(Ctx& c, const Caller& who);
};

WebUi::WebUi(domain::ZoneService& zones, auth::Authenticator& authenticator, const feed::FleetRegistry* fleet,
             WebUiOptions options)
    : impl_(std::make_unique<Impl>(zones, authenticator, fleet, std::move(options))) {}

WebUi::~WebUi() = default;

Response WebUi::handle(const Request& request) { return impl_->handle(request); }

Response WebUi::Impl::handle(const Request& req) {
  std::string_view target = req.target;
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
  auto seg = path_segments(path);
  if (!seg) return message(Ctx{req, {}, {}, {}, {}, false, {}}, nullptr, 400, "Bad request",
                           "The address has a broken percent-escape.", "web bad path");
  Ctx c{req, req.method == "HEAD" ? std::string("GET") : req.method, std::move(*seg), FormData::parse(query), {},
        req.header("hx-request").value_or("") == "true", std::nullopt};
  if (c.method == "POST") {
    // Forms are urlencoded (htmx too); another body type yields no fields, so no CSRF
    // token and a 403.
    auto type = to_lower(req.header("content-type").value_or("application/x-www-form-urlencoded"));
    if (type.starts_with("application/x-www-form-urlencoded")) c.form = FormData::parse(req.body);
  }
  if (auto cookies = req.header("cookie")) {
    if (auto id = cookie_value(*cookies, kCookieName); id && id->size() == 64) c.session = sessions.find(*id);
  }
  return route(c);
}

bool WebUi::Impl::csrf_ok(const Ctx& c) const {
  if (!c.session) return false;
  std::string sent = c.form.get("csrf");
  if (sent.empty()) sent = std::string(c.req.header("x-csrf-token").value_or(""));
  return !sent.empty() && constant_time_equal(sent, c.session->csrf);
}

std::variant<WebUi::Impl::Caller, Response> WebUi::Impl::caller(Ctx& c, std::string_view route) {
  if (c.method == "POST" && !csrf_ok(c)) {
    log::info("web: refused ", c.req.method, " ", c.seg.empty() ? "/" : c.seg.front(), " from ", c.req.peer,
              ": missing or stale CSRF token");
    return message(c, nullptr, 403, "Forbidden",
                   "The form's security token is missing or stale. Reload the page and try again.", route);
  }
  if (!c.session || !c.session->signed_in()) return redirect("/login", c.htmx, route);
  auto who = authn.authenticate(c.session->token);
  if (!who.ok()) {
    if (who.status().code() == StatusCode::kUnauthenticated) {
      sessions.erase(c.session->id);
      return redirect("/login?expired=1", c.htmx, route);
    }
    return message(c, nullptr, http_status(who.status()), "Unavailable",
                   str_cat("Cannot check your session: ", client_facing(who.status()).message()), route);
  }
  Caller out{*c.session, std::move(*who), {}};
  out.who.via = "ui";
  out.chrome = Chrome{out.who.username, c.session->csrf, ""};
  return out;
}

Response WebUi::Impl::route(Ctx& c) {
  const auto& s = c.seg;
  const bool get = c.method == "GET", post = c.method == "POST";
  auto not_allowed = [&](std::string_view allow, std::string_view route) {
    Response r = message(c, nullptr, 405, "Method not allowed", "This address does not take that method.", route);
    r.headers.emplace_back("Allow", std::string(allow));
    return r;
  };

  // Public: assets and the login form.
  if (s.size() == 2 && s[0] == "assets") {
    if (!get) return not_allowed("GET, HEAD", "GET /assets");
    if (s[1] == "htmx.min.js")
      return asset(c.req, htmx_js(), "text/javascript; charset=utf-8", htmx_etag(), "GET /assets/htmx.min.js");
    if (s[1] == "app.css") return asset(c.req, app_css(), "text/css; charset=utf-8", app_css_etag(), "GET /assets/app.css");
    if (s[1] == "favicon.svg") return asset(c.req, kFavicon, "image/svg+xml", "\"favicon-1\"", "GET /assets/favicon.svg");
    return message(c, nullptr, 404, "Not found", "No such asset.", "GET /assets/{unknown}");
  }
  if (s.size() == 1 && s[0] == "favicon.ico") {
    Response r = asset(c.req, kFavicon, "image/svg+xml", "\"favicon-1\"", "GET /favicon.ico");
    return r;
  }
  if (s.size() == 1 && s[0] == "login") {
    if (get) return login_get(c);
    if (post) return login_post(c);
    return not_allowed("GET, HEAD, POST", "web /login");
  }

  // Everything else needs a signed-in caller. The route label is fixed per page.
  std::string route = "web unmatched";
  enum class Page { kNone, kZones, kZoneCreate, kZone, kRecordAdd, kRecordGet, kRecordUpdate, kRecordEdit, kRecordDelete,
                    kHint, kHistory, kRollback, kFrontends, kLogout };
  Page page = Page::kNone;
  std::string allow;
  std::optional<std::int64_t> id;
  if (s.empty()) {
    page = get ? Page::kZones : Page::kNone, allow = "GET, HEAD", route = "GET /";
  } else if (s.size() == 1 && s[0] == "logout") {
    page = post ? Page::kLogout : Page::kNone, allow = "POST", route = "POST /logout";
  } else if (s.size() == 1 && s[0] == "frontends") {
    page = get ? Page::kFrontends : Page::kNone, allow = "GET, HEAD", route = "GET /frontends";
  } else if (s.size() == 1 && s[0] == "zones") {
    page = post ? Page::kZoneCreate : Page::kNone, allow = "POST", route = "POST /zones";
    if (get) return redirect("/", false, "GET /zones");
  } else if (s.size() >= 2 && s[0] == "zones") {
    if (s.size() == 2) {
      page = get ? Page::kZone : Page::kNone, allow = "GET, HEAD", route = "GET /zones/{zone}";
    } else if (s.size() == 3 && s[2] == "records") {
      page = post ? Page::kRecordAdd : Page::kNone, allow = "POST", route = "POST /zones/{zone}/records";
    } else if (s.size() == 3 && s[2] == "hint") {
      page = get ? Page::kHint : Page::kNone, allow = "GET, HEAD", route = "GET /zones/{zone}/hint";
    } else if (s.size() == 3 && s[2] == "history") {
      page = get ? Page::kHistory : Page::kNone, allow = "GET, HEAD", route = "GET /zones/{zone}/history";
    } else if (s.size() == 3 && s[2] == "rollback") {
      page = post ? Page::kRollback : Page::kNone, allow = "POST", route = "POST /zones/{zone}/rollback";
    } else if (s.size() >= 4 && s[2] == "records" && (id = parse_id(s[3]))) {
      if (s.size() == 4) {
        page = get ? Page::kRecordGet : post ? Page::kRecordUpdate : Page::kNone, allow = "GET, HEAD, POST";
        route = get ? "GET /zones/{zone}/records/{id}" : "POST /zones/{zone}/records/{id}";
      } else if (s.size() == 5 && s[4] == "edit") {
        page = get ? Page::kRecordEdit : Page::kNone, allow = "GET, HEAD", route = "GET /zones/{zone}/records/{id}/edit";
      } else if (s.size() == 5 && s[4] == "delete") {
        page = post ? Page::kRecordDelete : Page::kNone, allow = "POST", route = "POST /zones/{zone}/records/{id}/delete";
      }
    }
  }
  if (allow.empty()) return message(c, nullptr, 404, "Not found", "There is no page at this address.", route);
  if (page == Page::kNone) return not_allowed(allow, route);

  auto resolved = caller(c, route);
  if (auto* r = std::get_if<Response>(&resolved)) return std::move(*r);
  Caller& who = std::get<Caller>(resolved);
  Response out;
  switch (page) {
    case Page::kZones: who.chrome.active = "zones"; out = zones_get(c, who); break;
    case Page::kZoneCreate: who.chrome.active = "zones"; out = zone_create(c, who); break;
    case Page::kZone: who.chrome.active = "zones"; out = zone_get(c, who, s[1], 0); break;
    case Page::kRecordAdd: out = record_add(c, who, s[1]); break;
    case Page::kRecordGet: out = record_row_get(c, who, s[1], *id, false); break;
    case Page::kRecordEdit: out = record_row_get(c, who, s[1], *id, true); break;
    case Page::kRecordUpdate: out = record_update(c, who, s[1], *id); break;
    case Page::kRecordDelete: out = record_delete(c, who, s[1], *id); break;
    case Page::kHint: {
      std::string slot = c.query.get("slot");
      if (!is_slot(slot)) return html(400, "invalid slot", route);
      out = html(200, value_hint(c.query.get("type"), slot), route);
      break;
    }
    case Page::kHistory: out = history_get(c, who, s[1]); break;
    case Page::kRollback: out = rollback_post(c, who, s[1]); break;
    case Page::kFrontends: who.chrome.active = "frontends"; out = frontends_get(c, who); break;
    case Page::kLogout: out = logout_post(c); break;
    case Page::kNone: break;
  }
  out.route = route;
  return out;
}

// ---- login and logout ----

Response WebUi::Impl::login_get(Ctx& c) {
  constexpr std::string_view kRoute = "GET /login";
  if (c.session && c.session->signed_in()) return redirect("/", false, kRoute);
  std::optional<std::string> set_cookie;
  Session anon;
  if (c.session) {
    anon = *c.session;
  } else {
    anon = sessions.create_anonymous(kAnonymousLifetime);
    set_cookie = session_cookie(anon.id, kAnonymousLifetime);
  }
  LoginView view{anon.csrf, authn.mode() == "local", {}, {}, {}};
  if (c.query.get("expired") == "1") view.notice = "Your session has ended. Sign in again.";
  if (c.query.get("out") == "1") view.notice = "Signed out.";
  Response r = html(200, document("Sign in", nullptr, login_main(view)), kRoute);
  if (set_cookie) r.headers.emplace_back("Set-Cookie", std::move(*set_cookie));
  return r;
}

Response WebUi::Impl::login_post(Ctx& c) {
  constexpr std::string_view kRoute = "POST /login";
  if (!csrf_ok(c)) {
    log::info("web: refused POST /login from ", c.req.peer, ": missing or stale CSRF token");
    return message(c, nullptr, 403, "Forbidden",
                   "The sign-in form's security token is missing or stale. Reload the page and try again.", kRoute);
  }
  const bool token_mode = authn.mode() == "local";
  LoginView view{c.session->csrf, token_mode, c.form.get("username"), {}, {}};
  auto fail = [&](const Status& s) {
    int code = http_status(s);
    switch (s.code()) {
      case StatusCode::kUnauthenticated:
        view.error = token_mode ? "Unknown or expired token." : "Wrong username, password or one-time code.";
        break;
      case StatusCode::kPermissionDenied: view.error = "This account may not sign in to MCNS."; break;
      case StatusCode::kUnavailable: view.error = "The identity provider is unavailable. Try again later."; break;
      default: view.error = client_facing(s).message();
    }
    log::info("login api=", kApi, " user=", token_mode ? std::string("(token)") : view.username,
              " result=", status_code_name(s.code()));
    return html(code, document("Sign in", nullptr, login_main(view)), kRoute);
  };

  const auto now = sessions.now();
  std::string token;
  SystemClock::time_point expires = now + options.session_lifetime;
  if (token_mode) {
    token = std::string(trim(c.form.get("token")));
    if (token.empty()) return fail(unauthenticated("empty token"));
  } else {
    if (view.username.empty() || c.form.get("password").empty()) return fail(unauthenticated("missing credentials"));
    auto result = authn.login({view.username, c.form.get("password"), std::string(trim(c.form.get("totp_code")))});
    if (!result.ok()) return fail(result.status());
    token = std::move(result->token);
    if (result->expires_at_time) expires = *result->expires_at_time;
  }
  auto who = authn.authenticate(token);
  if (!who.ok()) return fail(who.status());
  if (expires <= now) return fail(unauthenticated("token already expired"));

  sessions.erase(c.session->id);  // a new id after sign-in: no session fixation
  Session session = sessions.create(std::move(token), who->username, expires);
  log::info("login api=", kApi, " user=", who->username, " result=OK");
  Response r = redirect("/", false, kRoute);
  r.headers.emplace_back("Set-Cookie", session_cookie(session.id, std::chrono::duration_cast<std::chrono::seconds>(
                                                                      expires - now)));
  return r;
}

Response WebUi::Impl::logout_post(Ctx& c) {
  // caller() has checked the CSRF token and the session.
  Status s = authn.logout(c.session->token);
  log::info("logout api=", kApi, " user=", c.session->username, " result=",
            s.ok() ? std::string_view("OK") : status_code_name(s.code()));
  sessions.erase(c.session->id);
  Response r = redirect("/login?out=1", c.htmx, "POST /logout");
  r.headers.emplace_back("Set-Cookie", session_cookie("", std::chrono::seconds(0)));
  return r;
}

// ---- zones ----

Response WebUi::Impl::zones_get(Ctx& c, const Caller& who, int status, ZonesView view) {
  auto zones = this->zones.list_zones(who.who);
  if (!zones.ok()) return failure(c, who, zones.status(), "GET /");
  view.zones.clear();
  for (auto& z : *zones) {
    auto records = this->zones.list_records(who.who, domain::RecordFilter{z.name});
    view.zones.push_back({std::move(z), records.ok() ? std::optional<std::size_t>(records->size()) : std::nullopt});
  }
  view.can_create = authz.can_write_zones(who.who).ok();
  return page(c, &who, status, "Zones", zones_main(view, who.chrome.csrf), "GET /");
}

Response WebUi::Impl::zone_create(Ctx& c, const Caller& who) {
  domain::CreateZone cmd;
  cmd.name = std::string(trim(c.form.get("name")));
  auto zone = zones.create_zone(who.who, cmd);
  auth::audit(kApi, who.who, "create_zone", str_cat("zone=", cmd.name), zone.status());
  if (zone.ok()) return redirect(str_cat("/zones/", url_encode(zone->name), "?done=created"), c.htmx, "POST /zones");
  ZonesView view;
  view.name = cmd.name;
  view.error = zone_error(zone.status());
  return zones_get(c, who, http_status(zone.status()), std::move(view));
}

StatusOr<ZoneView> WebUi::Impl::zone_view(const Caller& who, std::string_view zone) {
  auto z = zones.get_zone(who.who, zone);
  if (!z.ok()) return z.status();
  auto records = zones.list_records(who.who, domain::RecordFilter{std::string(zone)});
  if (!records.ok()) return records.status();
  std::sort(records->begin(), records->end(), [](const domain::Record& a, const domain::Record& b) {
    // The apex first, then by name, type and value.
    bool aa = a.name == "@", ba = b.name == "@";
    if (aa != ba) return aa;
    return std::tie(a.name, a.type, a.value, a.id) < std::tie(b.name, b.type, b.value, b.id);
  });
  ZoneView view;
  view.zone = std::move(*z);
  view.can_add = authz.can_write_some_records(who.who).ok();
  for (auto& r : *records) {
    bool can_edit = view.can_add && authz.can_write_record(who.who, r.name).ok();
    view.rows.push_back({std::move(r), can_edit});
  }
  return view;
}

Response WebUi::Impl::zone_answer(Ctx& c, const Caller& who, int status, const ZoneView& view, std::string_view route) {
  return page(c, &who, status, view.zone.name, zone_section(view, who.chrome.csrf), route);
}

Response WebUi::Impl::zone_get(Ctx& c, const Caller& who, const std::string& zone, std::int64_t editing) {
  auto view = zone_view(who, zone);
  if (!view.ok()) return failure(c, who, view.status(), "GET /zones/{zone}");
  view->notice = std::string(notice_text(c.query.get("done")));
  if (editing) {
    auto it = std::find_if(view->rows.begin(), view->rows.end(),
                           [&](const RecordRow& r) { return r.record.id == editing; });
    if (it != view->rows.end()) {
      view->editing = editing;
      view->edit = RecordForm{it->record.name, it->record.type, it->record.value, std::to_string(it->record.ttl), {}};
    }
  }
  // A full page even for htmx (hx-boost is not used; links load whole pages).
  return html(200, document(view->zone.name, &who.chrome, zone_section(*view, who.chrome.csrf)), "GET /zones/{zone}");
}

Response WebUi::Impl::record_add(Ctx& c, const Caller& who, const std::string& zone) {
  constexpr std::string_view kRoute = "POST /zones/{zone}/records";
  RecordForm form = record_form(c.form);
  auto fields = record_fields(form);
  StatusOr<domain::Record> created = fields.ok() ? zones.create_record(who.who, {zone, *fields, std::nullopt})
                                                 : StatusOr<domain::Record>(fields.status());
  if (fields.ok()) auth::audit(kApi, who.who, "create_record", str_cat("zone=", zone), created.status());
  if (created.ok() && !c.htmx) return redirect(str_cat("/zones/", url_encode(zone), "?done=added"), false, kRoute);
  auto view = zone_view(who, zone);
  if (!view.ok()) return failure(c, who, view.status(), kRoute);
  int status = 200;
  if (created.ok()) {
    view->notice = "Record added.";
    view->add.type = form.type;  // keep the type: several records of one type are often added in a row
  } else {
    status = http_status(created.status());
    form.error = record_error(created.status());
    view->add = std::move(form);
  }
  return zone_answer(c, who, status, *view, kRoute);
}

Response WebUi::Impl::record_update(Ctx& c, const Caller& who, const std::string& zone, std::int64_t id) {
  constexpr std::string_view kRoute = "POST /zones/{zone}/records/{id}";
  RecordForm form = record_form(c.form);
  auto fields = record_fields(form);
  StatusOr<domain::Record> updated = fields.ok() ? zones.update_record(who.who, {zone, id, *fields, std::nullopt})
                                                 : StatusOr<domain::Record>(fields.status());
  if (fields.ok()) auth::audit(kApi, who.who, "update_record", str_cat("zone=", zone, " id=", id), updated.status());
  if (updated.ok() && !c.htmx) return redirect(str_cat("/zones/", url_encode(zone), "?done=updated"), false, kRoute);
  auto view = zone_view(who, zone);
  if (!view.ok()) return failure(c, who, view.status(), kRoute);
  int status = 200;
  if (updated.ok()) {
    view->notice = "Record updated.";
  } else {
    status = http_status(updated.status());
    form.error = record_error(updated.status());
    bool row_shown = std::any_of(view->rows.begin(), view->rows.end(),
                                 [&](const RecordRow& r) { return r.record.id == id && r.can_edit; });
    if (row_shown) {
      view->editing = id;
      view->edit = std::move(form);
    } else {
      view->error = FieldError{"", form.error.message};
    }
  }
  return zone_answer(c, who, status, *view, kRoute);
}

Response WebUi::Impl::record_delete(Ctx& c, const Caller& who, const std::string& zone, std::int64_t id) {
  constexpr std::string_view kRoute = "POST /zones/{zone}/records/{id}/delete";
  Status deleted = zones.delete_record(who.who, zone, id, std::nullopt);
  auth::audit(kApi, who.who, "delete_record", str_cat("zone=", zone, " id=", id), deleted);
  if (deleted.ok() && !c.htmx) return redirect(str_cat("/zones/", url_encode(zone), "?done=deleted"), false, kRoute);
  auto view = zone_view(who, zone);
  if (!view.ok()) return failure(c, who, view.status(), kRoute);
  int status = 200;
  if (deleted.ok()) {
    view->notice = "Record deleted.";
  } else {
    status = http_status(deleted);
    view->error = FieldError{"", client_facing(deleted).message()};
  }
  return zone_answer(c, who, status, *view, kRoute);
}

Response WebUi::Impl::record_row_get(Ctx& c, const Caller& who, const std::string& zone, std::int64_t id, bool edit) {
  std::string_view route = edit ? "GET /zones/{zone}/records/{id}/edit" : "GET /zones/{zone}/records/{id}";
  auto record = zones.get_record(who.who, zone, id);
  if (!record.ok()) return failure(c, who, record.status(), route);
  bool can_edit = authz.can_write_some_records(who.who).ok() && authz.can_write_record(who.who, record->name).ok();
  if (edit && !can_edit)
    return message(c, &who, 403, "Not allowed", str_cat("You may not change records named \"", record->name, "\"."), route);
  if (!c.htmx) {
    // Without JavaScript: the zone page, with this row in edit mode.
    if (!edit) return redirect(str_cat("/zones/", url_encode(zone), "#rec-", id), false, route);
    return zone_get(c, who, zone, id);
  }
  if (edit) {
    RecordForm form{record->name, record->type, record->value, std::to_string(record->ttl), {}};
    return html(200, edit_row(zone, id, form, who.chrome.csrf), route);
  }
  return html(200, record_row(zone, RecordRow{*record, can_edit}, who.chrome.csrf), route);
}

// ---- history and rollback ----

Response WebUi::Impl::history_get(Ctx& c, const Caller& who, const std::string& zone, int status, FieldError error) {
  constexpr std::string_view kRoute = "GET /zones/{zone}/history";
  auto z = zones.get_zone(who.who, zone);
  if (!z.ok()) return failure(c, who, z.status(), kRoute);
  HistoryView view;
  view.zone = std::move(*z);
  view.error = std::move(error);
  view.notice = std::string(notice_text(c.query.get("done")));
  view.can_rollback = authz.can_write_zones(who.who).ok();
  auto changes = zones.list_changes(who.who, domain::HistoryQuery{zone});
  if (changes.ok()) {
    view.changes = std::move(*changes);
    if (view.changes.size() > kHistoryShown)
      view.changes.erase(view.changes.begin(), view.changes.end() - static_cast<std::ptrdiff_t>(kHistoryShown));
  } else if (changes.status().code() == StatusCode::kUnimplemented) {
    view.available = false;
  } else {
    return failure(c, who, changes.status(), kRoute);
  }
  return page(c, &who, status, str_cat("History of ", view.zone.name), history_main(view, who.chrome.csrf), kRoute);
}

Response WebUi::Impl::rollback_post(Ctx& c, const Caller& who, const std::string& zone) {
  constexpr std::string_view kRoute = "POST /zones/{zone}/rollback";
  auto serial = parse_int<std::uint32_t>(trim(c.form.get("to_serial")));
  if (!serial) return history_get(c, who, zone, 400, {"", "to_serial must be a serial number"});
  auto change = zones.rollback(who.who, domain::Rollback{zone, *serial, std::nullopt});
  auth::audit(kApi, who.who, "rollback", str_cat("zone=", zone, " to_serial=", *serial), change.status());
  if (!change.ok()) {
    if (change.status().code() == StatusCode::kUnimplemented) return history_get(c, who, zone, 200);
    return history_get(c, who, zone, http_status(change.status()), {"", client_facing(change.status()).message()});
  }
  return redirect(str_cat("/zones/", url_encode(zone), "/history?done=", change->ops.empty() ? "unchanged" : "rolledback"),
                  c.htmx, kRoute);
}

// ---- frontends ----

Response WebUi::Impl::frontends_get(Ctx& c, const Caller& who) {
  // The domain decides who may see the fleet, as for GET /v1/frontends.
  if (Status allowed = zones.authorize_fleet_view(who.who); !allowed.ok())
    return failure(c, who, allowed, "GET /frontends");
  FrontendsView view;
  view.available = fleet != nullptr;
  if (fleet) {
    view.latest = fleet->latest();
    for (const auto& f : fleet->list()) {
      view.frontends.push_back({f.name, f.peer, f.version, f.lag_versions, f.lag_seconds, f.connected, f.reports,
                                feed::rfc3339(f.connected_since),
                                f.last_report ? feed::rfc3339(*f.last_report) : std::string()});
    }
  }
  return page(c, &who, 200, "Frontends", frontends_main(view), "GET /frontends");
}

}  // namespace mcns::control::web
