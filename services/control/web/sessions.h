#pragma once
// Web UI sessions, kept in memory by the control (never in the browser): the cookie
// carries only a random 256-bit id; the bearer token it stands for stays here. A
// process restart therefore signs everyone out, which is the safe direction.
//
// Two kinds: a signed-in session (token, username, expiry = the token's) and an
// anonymous one made by the login page, which only carries the CSRF token of the login
// form. Signing in replaces the anonymous session by a new id (no session fixation).
// Both tables are bounded: when full, expired entries go first, then the one closest to
// expiry, so a flood of anonymous sessions cannot push out signed-in users.
//
// Thread-safe (one mutex; REST handlers run on a worker pool).
#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mcns::control::web {

using SystemClock = std::chrono::system_clock;

struct Session {
  std::string id;        // the cookie value: 64 hex digits
  std::string csrf;      // 64 hex digits, put into every form of this session
  std::string token;     // bearer token; empty for an anonymous session
  std::string username;  // for the page header and logs
  SystemClock::time_point expires{};

  bool signed_in() const noexcept { return !token.empty(); }
};

// `bytes` random bytes from OpenSSL's CSPRNG, as lower-case hex. Aborts if the generator
// fails (no session may ever get a predictable id).
std::string random_hex(std::size_t bytes);

class SessionStore {
 public:
  using Now = std::function<SystemClock::time_point()>;
  SessionStore(std::size_t max_signed_in, std::size_t max_anonymous, Now now = {});

  // The live session with this id; nullopt when unknown or expired (then forgotten).
  std::optional<Session> find(std::string_view id);
  Session create(std::string token, std::string username, SystemClock::time_point expires);
  Session create_anonymous(std::chrono::seconds lifetime);
  void erase(std::string_view id);

  std::size_t signed_in_count() const;
  std::size_t anonymous_count() const;
  SystemClock::time_point now() const { return now_ ? now_() : SystemClock::now(); }

 private:
  using Table = std::unordered_map<std::string, Session>;
  void make_room_locked(Table& table, std::size_t limit);  // requires mu_

  const std::size_t max_signed_in_;
  const std::size_t max_anonymous_;
  Now now_;
  mutable std::mutex mu_;  // guards the tables
  Table signed_in_;
  Table anonymous_;
};

}  // namespace mcns::control::web
