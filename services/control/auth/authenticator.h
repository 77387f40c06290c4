#pragma once
// Token verification at the API edge (SPEC section 6). Both transports hold one
// Authenticator and turn a bearer token into a Principal here; what the Principal may do
// is decided by the domain service alone. Implementations: MCIAS (mcias.h) and the
// local token file (local_tokens.h). Tokens are secrets: nothing here logs them.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/status.h"
#include "common/config/config.h"
#include "services/control/auth/principal.h"

namespace mcns::control::auth {

struct LoginRequest {
  std::string username;
  std::string password;
  std::string totp_code;  // empty: not sent
};

struct LoginResult {
  std::string token;
  std::string expires_at;  // as the identity provider wrote it (RFC 3339)
  std::optional<std::chrono::sys_seconds> expires_at_time;  // parsed, when parseable
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;

  // The caller behind `token`. UNAUTHENTICATED when the token is empty, unknown, invalid
  // or expired; UNAVAILABLE when the identity provider cannot be asked (fail closed).
  virtual StatusOr<Principal> authenticate(std::string_view token) = 0;
  // Forwards a login to the identity provider. UNAUTHENTICATED / PERMISSION_DENIED as it
  // answers, UNAVAILABLE when unreachable, UNIMPLEMENTED in local-token mode.
  virtual StatusOr<LoginResult> login(const LoginRequest& request) = 0;
  // Ends the session of `token` at the identity provider (a no-op in local mode).
  virtual Status logout(std::string_view token) = 0;
  // Re-reads whatever backs this authenticator (SIGHUP). On failure the old data stays.
  virtual Status reload() { return ok_status(); }
  // "mcias" or "local", for the start-up log line.
  virtual std::string_view mode() const noexcept = 0;
};

struct AuthHooks {
  // Called on every token-cache hit (mcns_auth_cache_hits_total).
  std::function<void()> on_cache_hit;
};

// The authenticator that [auth] mode names, ready to use (local tokens already loaded).
StatusOr<std::unique_ptr<Authenticator>> make_authenticator(const config::ControlConfig& config,
                                                            AuthHooks hooks = {});

}  // namespace mcns::control::auth
