#include "services/control/auth/access.h"

#include "common/base/strings.h"

namespace mcns::control::auth {

std::string_view access_name(Access access) noexcept {
  switch (access) {
    case Access::kPublic: return "public";
    case Access::kAuthenticated: return "authenticated";
  }
  return "unknown";
}

std::string_view bearer_token(std::string_view authorization) noexcept {
  std::string_view v = trim(authorization);
  constexpr std::string_view kScheme = "bearer";
  if (v.size() <= kScheme.size() || !iequals(v.substr(0, kScheme.size()), kScheme)) return {};
  if (v[kScheme.size()] != ' ' && v[kScheme.size()] != '\t') return {};
  return trim(v.substr(kScheme.size() + 1));
}

bool is_bearer_token_syntax(std::string_view token) noexcept {
  std::size_t i = 0;
  for (; i < token.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(token[i]);
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_' || c == '~' || c == '+' || c == '/';
    if (!ok) break;
  }
  if (i == 0) return false;
  for (; i < token.size(); ++i)
    if (token[i] != '=') return false;
  return true;
}

StatusOr<std::string_view> well_formed_bearer(std::string_view authorization) {
  std::string_view token = bearer_token(authorization);
  if (token.empty()) return unauthenticated("missing bearer token");
  if (!is_bearer_token_syntax(token)) return unauthenticated("malformed bearer token");
  return token;
}

StatusOr<Principal> authenticate_header(Authenticator& authenticator, std::string_view authorization) {
  MCNS_ASSIGN_OR_RETURN(std::string_view token, well_formed_bearer(authorization));
  return authenticator.authenticate(token);
}

StatusOr<std::optional<Principal>> check_access(Authenticator& authenticator, Access access,
                                                std::optional<std::string_view> authorization) {
  if (access == Access::kPublic) return std::optional<Principal>();
  MCNS_ASSIGN_OR_RETURN(Principal who, authenticate_header(authenticator, authorization.value_or("")));
  return std::optional<Principal>(std::move(who));
}

}  // namespace mcns::control::auth
