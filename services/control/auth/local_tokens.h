#pragma once
// Local-token mode (SPEC section 6): a TOML file of [[token]] entries, each holding the
// SHA-256 of a token (never the token), the username, roles and account kind. Read at
// start and by reload() (SIGHUP). A file that group or others may read or write is
// refused, as ssh refuses a private key with loose permissions. A failed reload keeps
// the previous table. Login is not available (UNIMPLEMENTED, HTTP 501): there is no
// identity provider to ask; logout is a no-op.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "services/control/auth/authenticator.h"

namespace mcns::control::auth {

class LocalTokenAuthenticator final : public Authenticator {
 public:
  // Loads `path`; INVALID_ARGUMENT naming the file and the problem, PERMISSION_DENIED
  // for loose permissions, NOT_FOUND when missing.
  static StatusOr<std::unique_ptr<LocalTokenAuthenticator>> create(std::string path);

  StatusOr<Principal> authenticate(std::string_view token) override;
  StatusOr<LoginResult> login(const LoginRequest& request) override;
  Status logout(std::string_view token) override;
  Status reload() override;
  std::string_view mode() const noexcept override { return "local"; }
  std::size_t size() const;

 private:
  explicit LocalTokenAuthenticator(std::string path) : path_(std::move(path)) {}

  const std::string path_;
  mutable std::mutex mu_;
  std::map<std::string, Principal> by_hash_;  // guarded by mu_; key: lower-case hex SHA-256
};

// Parses a local tokens file (exposed for tests).
StatusOr<std::map<std::string, Principal>> load_local_tokens(const std::string& path);

}  // namespace mcns::control::auth
