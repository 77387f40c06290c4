#pragma once
// Authentication through MCIAS (SPEC section 6): token validation with a 30 s cache of
// valid and invalid verdicts keyed by the token's SHA-256, login and logout forwarding.
// Fails closed: when MCIAS cannot be reached an uncached token gets UNAVAILABLE.
#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include "services/control/auth/authenticator.h"
#include "services/control/auth/https_client.h"
#include "services/control/auth/token_cache.h"

namespace mcns::control::auth {

struct MciasOptions {
  std::string server_url;  // https://host:port
  std::string ca_cert;     // empty: the system roots
  std::string service_name = "mcns";
  std::vector<std::string> tags;
  std::chrono::milliseconds timeout{10000};
  std::chrono::steady_clock::duration cache_ttl = std::chrono::seconds(30);
  TokenCache::Clock clock = [] { return std::chrono::steady_clock::now(); };  // tests move time
  AuthHooks hooks;
};

class MciasAuthenticator final : public Authenticator {
 public:
  static StatusOr<std::unique_ptr<MciasAuthenticator>> create(MciasOptions options);

  StatusOr<Principal> authenticate(std::string_view token) override;
  StatusOr<LoginResult> login(const LoginRequest& request) override;
  Status logout(std::string_view token) override;
  // SIGHUP: MCIAS has no local state to re-read; the cached verdicts are dropped so a
  // revoked token stops working now rather than within 30 s.
  Status reload() override;
  std::string_view mode() const noexcept override { return "mcias"; }

 private:
  MciasAuthenticator(MciasOptions options, HttpsUrl url);
  StatusOr<Principal> validate(std::string_view token,
                               std::optional<std::chrono::steady_clock::time_point>& not_after);

  MciasOptions options_;
  HttpsUrl url_;
  TokenCache cache_;
  // Single flight: concurrent requests with the same uncached token wait for one
  // validation instead of each asking MCIAS (a deployer starting 50 calls at once).
  std::mutex in_flight_mu_;
  std::map<std::string, std::shared_future<StatusOr<Principal>>> in_flight_;  // guarded by in_flight_mu_
};

}  // namespace mcns::control::auth
