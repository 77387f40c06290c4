#include "services/control/web/sessions.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "common/base/log.h"
#include "common/base/strings.h"

namespace mcns::control::web {

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size())) != 1) {
    log::error("web: RAND_bytes failed; refusing to continue without a secure random source");
    std::abort();
  }
  return to_hex(raw);
}

SessionStore::SessionStore(std::size_t max_signed_in, std::size_t max_anonymous, Now now)
    : max_signed_in_(std::max<std::size_t>(1, max_signed_in)),
      max_anonymous_(std::max<std::size_t>(1, max_anonymous)),
      now_(std::move(now)) {}

std::optional<Session> SessionStore::find(std::string_view id) {
  const auto t = now();
  std::lock_guard lock(mu_);
  for (Table* table : {&signed_in_, &anonymous_}) {
    auto it = table->find(std::string(id));
    if (it == table->end()) continue;
    if (it->second.expires <= t) {
      table->erase(it);
      return std::nullopt;
    }
    return it->second;
  }
  return std::nullopt;
}

void SessionStore::make_room_locked(Table& table, std::size_t limit) {
  if (table.size() < limit) return;
  const auto t = now();
  std::erase_if(table, [t](const auto& entry) { return entry.second.expires <= t; });
  while (table.size() >= limit) {
    auto oldest = std::min_element(table.begin(), table.end(), [](const auto& a, const auto& b) {
      return a.second.expires < b.second.expires;
    });
    table.erase(oldest);
  }
}

Session SessionStore::create(std::string token, std::string username, SystemClock::time_point expires) {
  Session s{random_hex(32), random_hex(32), std::move(token), std::move(username), expires};
  std::lock_guard lock(mu_);
  make_room_locked(signed_in_, max_signed_in_);
  signed_in_.emplace(s.id, s);
  return s;
}

Session SessionStore::create_anonymous(std::chrono::seconds lifetime) {
  Session s{random_hex(32), random_hex(32), {}, {}, now() + lifetime};
  std::lock_guard lock(mu_);
  make_room_locked(anonymous_, max_anonymous_);
  anonymous_.emplace(s.id, s);
  return s;
}

void SessionStore::erase(std::string_view id) {
  std::lock_guard lock(mu_);
  signed_in_.erase(std::string(id));
  anonymous_.erase(std::string(id));
}

std::size_t SessionStore::signed_in_count() const {
  std::lock_guard lock(mu_);
  return signed_in_.size();
}

std::size_t SessionStore::anonymous_count() const {
  std::lock_guard lock(mu_);
  return anonymous_.size();
}

}  // namespace mcns::control::web
