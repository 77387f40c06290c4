#pragma once
// The 30 s cache of token verdicts (SPEC section 6), keyed by the SHA-256 of the token so
// that no token is kept in memory longer than a request. Valid and invalid answers are
// both cached (an invalid token hammering the API must not hammer MCIAS); "could not
// ask" (UNAVAILABLE) is never cached. Thread-safe. The clock is injectable for tests.
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/base/status.h"
#include "services/control/auth/principal.h"

namespace mcns::control::auth {

class TokenCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  explicit TokenCache(std::chrono::steady_clock::duration ttl = std::chrono::seconds(30),
                      Clock clock = [] { return std::chrono::steady_clock::now(); },
                      std::size_t max_entries = 100000);

  // The cached verdict for `key` (a token's SHA-256), or nullopt when absent or expired.
  std::optional<StatusOr<Principal>> find(const std::string& key);
  // Caches `verdict` for the TTL, or until `not_after` when that is sooner (a token
  // expiring in 5 s is not trusted for 30). UNAVAILABLE verdicts are ignored.
  void put(const std::string& key, const StatusOr<Principal>& verdict,
           std::optional<std::chrono::steady_clock::time_point> not_after = std::nullopt);
  std::size_t size() const;
  // Forgets every verdict (SIGHUP in MCIAS mode: revalidate everyone now).
  void clear();
  std::chrono::steady_clock::time_point now() const { return clock_(); }

 private:
  struct Entry {
    StatusOr<Principal> verdict;
    std::chrono::steady_clock::time_point expires;
  };
  const std::chrono::steady_clock::duration ttl_;
  const Clock clock_;
  const std::size_t max_entries_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, Entry> entries_;  // guarded by mu_
};

}  // namespace mcns::control::auth
