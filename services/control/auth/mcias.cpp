#include "services/control/auth/mcias.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <nlohmann/json.hpp>

#include "common/base/log.h"
#include "common/base/strings.h"
#include "services/control/auth/access.h"
#include "services/control/auth/rfc3339.h"
#include "services/control/auth/sha256.h"

namespace mcns::control::auth {

using json = nlohmann::json;

namespace {

std::string string_field(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// MCIAS's error text when it sent one ({"error": "..."}), for our own messages.
std::string mcias_error(const HttpMessage& res) {
  json j = json::parse(res.body, nullptr, false);
  std::string text = j.is_object() ? string_field(j, "error") : std::string();
  return text.empty() ? str_cat("HTTP ", res.status) : text;
}

}  // namespace

StatusOr<std::unique_ptr<MciasAuthenticator>> MciasAuthenticator::create(MciasOptions options) {
  if (options.server_url.empty()) return invalid_argument("[mcias] server_url is required when [auth] mode = \"mcias\"");
  MCNS_ASSIGN_OR_RETURN(HttpsUrl url, parse_https_url(options.server_url));
  // A CA file that cannot be read is a configuration error at start-up (exit 2), not a
  // 503 on every request later.
  if (!options.ca_cert.empty()) {
    if (FILE* f = std::fopen(options.ca_cert.c_str(), "r")) {
      std::fclose(f);
    } else {
      return not_found(str_cat("[mcias] ca_cert \"", options.ca_cert, "\" cannot be read: ", std::strerror(errno)));
    }
  }
  return std::unique_ptr<MciasAuthenticator>(new MciasAuthenticator(std::move(options), std::move(url)));
}

MciasAuthenticator::MciasAuthenticator(MciasOptions options, HttpsUrl url)
    : options_(std::move(options)), url_(std::move(url)), cache_(options_.cache_ttl, options_.clock) {}

Status MciasAuthenticator::reload() {
  std::size_t n = cache_.size();
  cache_.clear();
  log::info("mcias: token cache cleared (", n, " verdicts); every token is validated again");
  return ok_status();
}

StatusOr<Principal> MciasAuthenticator::authenticate(std::string_view token) {
  if (token.empty()) return unauthenticated("missing bearer token");
  // Also checked at the edges; here too, because a token that is not even UTF-8 would
  // make the JSON of the validation request throw.
  if (!is_bearer_token_syntax(token)) return unauthenticated("malformed bearer token");
  std::string key = sha256_hex(token);
  if (auto cached = cache_.find(key)) {
    if (options_.hooks.on_cache_hit) options_.hooks.on_cache_hit();
    return *cached;
  }
  std::promise<StatusOr<Principal>> promise;
  std::shared_future<StatusOr<Principal>> pending;
  bool leader = false;
  {
    std::lock_guard lock(in_flight_mu_);
    if (auto it = in_flight_.find(key); it != in_flight_.end()) {
      pending = it->second;
    } else {
      pending = promise.get_future().share();
      in_flight_.emplace(key, pending);
      leader = true;
    }
  }
  if (!leader) return pending.get();  // another request is asking MCIAS right now
  std::optional<std::chrono::steady_clock::time_point> not_after;
  StatusOr<Principal> verdict = unavailable("authentication service unavailable");
  try {
    verdict = validate(token, not_after);
    cache_.put(key, verdict, not_after);  // ignores UNAVAILABLE: fail closed, ask again next time
  } catch (const std::exception& e) {
    // Whatever went wrong, the waiters get an answer and the entry goes: a throw here
    // once left the entry behind for good (memory grew with every such request).
    log::error("mcias: token validation failed: ", e.what());
  }
  {
    std::lock_guard lock(in_flight_mu_);
    in_flight_.erase(key);
  }
  promise.set_value(verdict);
  return verdict;
}

StatusOr<Principal> MciasAuthenticator::validate(std::string_view token,
                                                 std::optional<std::chrono::steady_clock::time_point>& not_after) {
  HttpRequestSpec req;
  req.method = "POST";
  req.target = "/v1/token/validate";
  req.headers.emplace_back("Authorization", str_cat("Bearer ", token));
  req.body = json{{"token", std::string(token)}}.dump();
  auto res = https_request(url_, {options_.ca_cert, options_.timeout}, req);
  if (!res.ok()) {
    log::warn("mcias: token validation failed: ", res.status().message());
    return unavailable("authentication service unavailable");
  }
  if (res->status != 200) {
    // 5xx means MCIAS could not decide: that is not a verdict on the token.
    if (res->status >= 500) {
      log::warn("mcias: token validation answered ", res->status);
      return unavailable("authentication service unavailable");
    }
    // 401/403 are MCIAS's "no". Anything else (429 rate limiting, 408, 400, a 404 from
    // a wrong server_url path) is MCIAS not deciding: 503, never cached, so a brief MCIAS
    // hiccup cannot lock valid callers out for the cache's lifetime (SPEC 16).
    if (res->status != 401 && res->status != 403) {
      log::warn("mcias: token validation answered HTTP ", res->status, "; answering 503");
      return unavailable("authentication service unavailable");
    }
    return unauthenticated("invalid or expired token");
  }
  json j = json::parse(res->body, nullptr, false);
  if (!j.is_object()) {
    log::warn("mcias: token validation answer is not a JSON object");
    return unavailable("authentication service unavailable");
  }
  auto valid = j.find("valid");
  if (valid == j.end() || !valid->is_boolean() || !valid->get<bool>()) return unauthenticated("invalid or expired token");

  Principal who;
  who.username = string_field(j, "username");
  who.subject = string_field(j, "sub");
  if (who.username.empty()) who.username = who.subject;
  if (who.username.empty()) return unauthenticated("invalid or expired token");
  if (auto roles = j.find("roles"); roles != j.end() && roles->is_array()) {
    for (const auto& r : *roles)
      if (r.is_string()) who.roles.push_back(r.get<std::string>());
  }
  // SPEC section 6: account_type "system" when MCIAS says so; failing that, an account
  // without roles is a system account (MCIAS gives system accounts none).
  std::string account_type = string_field(j, "account_type");
  if (!account_type.empty()) {
    who.account_type = iequals(account_type, "system") ? AccountType::kSystem : AccountType::kHuman;
  } else {
    who.account_type = who.roles.empty() ? AccountType::kSystem : AccountType::kHuman;
  }
  if (auto expires = parse_rfc3339(string_field(j, "expires_at"))) {
    auto left = *expires - std::chrono::system_clock::now();
    if (left <= std::chrono::seconds(0)) return unauthenticated("invalid or expired token");
    not_after = cache_.now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(left);
  }
  return who;
}

StatusOr<LoginResult> MciasAuthenticator::login(const LoginRequest& request) {
  if (request.username.empty() || request.password.empty())
    return invalid_argument("username and password are required");
  json body = {{"username", request.username},
               {"password", request.password},
               {"service_name", options_.service_name},
               {"tags", options_.tags}};
  if (!request.totp_code.empty()) body["totp_code"] = request.totp_code;
  HttpRequestSpec req;
  req.method = "POST";
  req.target = "/v1/auth/login";
  req.body = body.dump();
  auto res = https_request(url_, {options_.ca_cert, options_.timeout}, req);
  if (!res.ok()) {
    log::warn("mcias: login forwarding failed: ", res.status().message());
    return unavailable("authentication service unavailable");
  }
  switch (res->status) {
    case 200: break;
    case 400: return invalid_argument(mcias_error(*res));
    case 401: return unauthenticated("invalid credentials");
    case 403: return permission_denied("login not permitted");
    case 429: return resource_exhausted("too many login attempts");
    default:
      log::warn("mcias: login answered ", res->status);
      return unavailable("authentication service unavailable");
  }
  json j = json::parse(res->body, nullptr, false);
  if (!j.is_object() || string_field(j, "token").empty()) {
    log::warn("mcias: login answer has no token");
    return unavailable("authentication service unavailable");
  }
  LoginResult out;
  out.token = string_field(j, "token");
  out.expires_at = string_field(j, "expires_at");
  out.expires_at_time = parse_rfc3339(out.expires_at);
  return out;
}

Status MciasAuthenticator::logout(std::string_view token) {
  HttpRequestSpec req;
  req.method = "POST";
  req.target = "/v1/auth/logout";
  req.headers.emplace_back("Authorization", str_cat("Bearer ", token));
  auto res = https_request(url_, {options_.ca_cert, options_.timeout}, req);
  if (!res.ok()) {
    log::warn("mcias: logout forwarding failed: ", res.status().message());
    return unavailable("authentication service unavailable");
  }
  // Forget the verdict: a logged-out token must stop working here at once, not 30 s later.
  cache_.put(sha256_hex(token), unauthenticated("invalid or expired token"));
  if (res->status == 200 || res->status == 204) return ok_status();
  if (res->status == 401) return unauthenticated("invalid or expired token");
  if (res->status >= 500) return unavailable("authentication service unavailable");
  return Status(StatusCode::kUnknown, str_cat("logout failed: ", mcias_error(*res)));
}

}  // namespace mcns::control::auth
