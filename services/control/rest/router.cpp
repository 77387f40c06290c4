#include "services/control/rest/router.h"

#include "common/base/http_status.h"
#include "common/base/strings.h"
#include "services/control/rest/handlers.h"
#include "services/control/rest/json_codec.h"

namespace mcns::control::rest {

namespace {

using auth::Access;
using HandlerFn = Response (*)(const Call&);

struct Route {
  std::string_view method;
  std::string_view pattern;  // "{name}" segments capture one decoded path segment
  Access access;
  HandlerFn handler;
};

// The REST API (SPEC section 7 and docs/API.md). First match wins. Access only says
// whether a route needs a caller (auth/access.h); the domain service alone decides what
// that caller may do.
constexpr Route kRoutes[] = {
    {"GET",    "/v1/health",                    Access::kPublic,        health},
    {"POST",   "/v1/auth/login",                Access::kPublic,        login},
    {"POST",   "/v1/auth/logout",               Access::kAuthenticated, logout},
    {"GET",    "/v1/zones",                     Access::kAuthenticated, list_zones},
    {"POST",   "/v1/zones",                     Access::kAuthenticated, create_zone},
    {"GET",    "/v1/zones/{zone}",              Access::kAuthenticated, get_zone},
    {"PUT",    "/v1/zones/{zone}",              Access::kAuthenticated, update_zone},
    {"DELETE", "/v1/zones/{zone}",              Access::kAuthenticated, delete_zone},
    {"GET",    "/v1/zones/{zone}/export",       Access::kAuthenticated, export_zone},
    {"GET",    "/v1/zones/{zone}/changes",      Access::kAuthenticated, list_changes},
    {"POST",   "/v1/zones/{zone}/changes",      Access::kAuthenticated, apply_changes},
    {"POST",   "/v1/zones/{zone}/rollback",     Access::kAuthenticated, rollback},
    {"GET",    "/v1/zones/{zone}/records",      Access::kAuthenticated, list_records},
    {"POST",   "/v1/zones/{zone}/records",      Access::kAuthenticated, create_record},
    {"GET",    "/v1/zones/{zone}/records/{id}", Access::kAuthenticated, get_record},
    {"PUT",    "/v1/zones/{zone}/records/{id}", Access::kAuthenticated, update_record},
    {"DELETE", "/v1/zones/{zone}/records/{id}", Access::kAuthenticated, delete_record},
    {"GET",    "/v1/frontends",                 Access::kAuthenticated, list_frontends},
};

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding; `plus_is_space` for query strings. nullopt on a broken escape.
std::optional<std::string> url_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      if (i + 2 >= s.size()) return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out = split(path, '/');
  // "/v1/zones" splits to {"", "v1", "zones"}; a trailing slash is tolerated.
  if (!out.empty() && out.front().empty()) out.erase(out.begin());
  if (out.size() > 1 && out.back().empty()) out.pop_back();
  return out;
}

// Matches `path` segments against `pattern`, filling `params`. False on no match;
// a broken escape in a captured segment makes `bad_escape` true.
bool match(std::string_view pattern, const std::vector<std::string_view>& path,
           std::map<std::string, std::string, std::less<>>& params, bool& bad_escape) {
  auto pat = segments(pattern);
  if (pat.size() != path.size()) return false;
  std::map<std::string, std::string, std::less<>> found;
  for (std::size_t i = 0; i < pat.size(); ++i) {
    if (pat[i].starts_with('{')) {
      auto value = url_decode(path[i], false);
      if (!value) {
        bad_escape = true;
        return false;
      }
      if (value->empty()) return false;
      found.emplace(std::string(pat[i].substr(1, pat[i].size() - 2)), std::move(*value));
    } else if (pat[i] != path[i]) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

}  // namespace

Router::Router(domain::ZoneService& zones, auth::Authenticator& authenticator, RouterHooks hooks,
               const feed::FleetRegistry* fleet)
    : zones_(zones), authenticator_(authenticator), hooks_(std::move(hooks)), fleet_(fleet) {}

std::vector<RouteInfo> Router::routes() {
  std::vector<RouteInfo> out;
  for (const Route& r : kRoutes) out.push_back({r.method, r.pattern, r.access});
  return out;
}

Response Router::handle(const Request& req) {
  auto started = std::chrono::steady_clock::now();
  std::string route = "unmatched";
  Response res = [&]() -> Response {
    std::string_view target = req.target;
    std::string_view path = target.substr(0, target.find('?'));
    if (hooks_.web_ui && path != "/v1" && !path.starts_with("/v1/")) {
      Response page = hooks_.web_ui(req);
      route = page.route.empty() ? "web" : page.route;
      return page;
    }
    std::string_view query_text = path.size() < target.size() ? target.substr(path.size() + 1) : std::string_view();
    auto path_segments = segments(path);
    std::map<std::string, std::string, std::less<>> params;
    std::vector<std::string> allowed;
    const Route* found = nullptr;
    bool bad_escape = false;
    for (const Route& r : kRoutes) {
      if (!match(r.pattern, path_segments, params, bad_escape)) continue;
      // HEAD is GET without the body (the session drops it).
      if (r.method == req.method || (req.method == "HEAD" && r.method == "GET")) {
        found = &r;
        break;
      }
      allowed.emplace_back(r.method);
    }
    if (bad_escape && !found) return error_response(invalid_argument("malformed percent-escape in path"));
    if (!found) {
      if (allowed.empty()) return error_response(not_found(str_cat("no such endpoint: ", path)));
      // 405 has no canonical status code: answered directly, not via error_response.
      Response r{405, encode_error(str_cat("method ", req.method, " not allowed"))};
      r.headers.emplace_back("Allow", join(allowed, ", "));
      return r;
    }
    route = str_cat(found->method, " ", found->pattern);

    auto who = auth::check_access(authenticator_, found->access, req.authorization);
    if (!who.ok()) return error_response(who.status());

    if (*who) (*who)->via = "rest";
    Call call{req, *who ? &**who : nullptr, std::move(params), {}, zones_, authenticator_, fleet_};
    if (!query_text.empty()) {
      for (std::string_view pair : split(query_text, '&')) {
        if (pair.empty()) continue;
        auto eq = pair.find('=');
        auto key = url_decode(pair.substr(0, eq), true);
        auto value = url_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
        if (!key || !value) return error_response(invalid_argument("malformed percent-escape in query"));
        call.query.insert_or_assign(to_lower(*key), std::move(*value));
      }
    }
    return found->handler(call);
  }();
  res.route = route;
  if (hooks_.on_response)
    hooks_.on_response(route, res.status, std::chrono::steady_clock::now() - started);
  return res;
}

}  // namespace mcns::control::rest
